/**
 * A sliding-window limit per key (bare JID): at most `perMinute` accepted messages in any 60 s and
 * at most `burst` in any 10 s. Exactly what the limit says: 20 lines a person types in a minute
 * never hit the default 30/min, however they bunch up (a token bucket with a burst of 10 refilling
 * at 30/min refused the 11th line sent within two seconds).
 *
 * A refused message is answered ("limited", with when to try again) up to `perMinute` refusals a
 * minute; past that a flood is dropped ("silent"). The map of keys is bounded; the least recently
 * seen key is forgotten first. Each key keeps at most `perMinute` timestamps.
 */
export type RateVerdict = "ok" | "limited" | "silent";

const MINUTE = 60_000;
const BURST_WINDOW = 10_000;

interface Window {
  /** Accepted message times, oldest first, within the last minute. */
  accepted: number[];
  /** Refusal times answered within the last minute. */
  refused: number[];
}

export function createRateLimiter(options: { burst: number; perMinute: number; maxKeys?: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 1000;
  const windows = new Map<string, Window>();

  const prune = (times: number[], t: number): void => {
    while (times.length > 0 && times[0]! <= t - MINUTE) times.shift();
  };
  const inBurstWindow = (w: Window, t: number): number => w.accepted.filter((a) => a > t - BURST_WINDOW).length;

  return {
    take(key: string): RateVerdict {
      const t = now();
      const w = windows.get(key) ?? { accepted: [], refused: [] };
      windows.delete(key);
      windows.set(key, w);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
      prune(w.accepted, t);
      prune(w.refused, t);
      if (w.accepted.length < options.perMinute && inBurstWindow(w, t) < options.burst) {
        w.accepted.push(t);
        return "ok";
      }
      if (w.refused.length >= options.perMinute) return "silent";
      w.refused.push(t);
      return "limited";
    },
    /** Milliseconds until `key` may send again (0 when it may now). */
    retryInMs(key: string): number {
      const w = windows.get(key);
      if (!w) return 0;
      const t = now();
      prune(w.accepted, t);
      const minuteWait = w.accepted.length >= options.perMinute ? w.accepted[w.accepted.length - options.perMinute]! + MINUTE - t : 0;
      const recent = w.accepted.filter((a) => a > t - BURST_WINDOW);
      const burstWait = recent.length >= options.burst ? recent[recent.length - options.burst]! + BURST_WINDOW - t : 0;
      return Math.max(0, minuteWait, burstWait);
    },
    get size(): number {
      return windows.size;
    },
  };
}

/** "try again in 12 s" */
export function retryText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return `try again in ${s} s`;
}
