import type { Logger } from "pino";

/**
 * Logs bad input at a bounded rate: the first occurrence at once, then at most one summary per
 * interval with how many were suppressed. A device spewing noise must not flood the journal.
 */
export interface GarbageLog {
  report(kind: string, detail: string): void;
}

export function createGarbageLog(log: Logger, intervalMs = 10_000, now: () => number = Date.now): GarbageLog {
  let windowStart = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return {
    report(kind, detail) {
      const t = now();
      if (t - windowStart < intervalMs) {
        suppressed++;
        return;
      }
      // Only a short prefix: the "detail" may be a 200 kB line of noise.
      log.warn({ kind, sample: detail.slice(0, 120), suppressedSinceLast: suppressed }, "bad input from device skipped");
      windowStart = t;
      suppressed = 0;
    },
  };
}
