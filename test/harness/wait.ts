import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions<T> {
  /** When the value probed is good enough; by default when it is truthy. */
  readonly until?: (value: T) => boolean;
  /** Pause between probes (a probe that is itself slow adds to it). */
  readonly everyMs?: number;
}

/**
 * The one wait of the tests: probes until the value is good enough, for at most `timeoutMs`.
 * A probe may return the value itself (a count, a list, a status) and `until` decide, so that a
 * time-out says what was awaited and what was last seen instead of only "false".
 * Returns the value that ended the wait. A probe that throws ends the wait with that error.
 */
export async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000, options: WaitOptions<T> = {}): Promise<T> {
  const { until = Boolean, everyMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value seen: ${describe(value)}`);
    await sleep(everyMs);
  }
}

/** A short, one-line picture of a value for a failure message. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // a cycle or a BigInt
  }
  return text.length > 500 ? `${text.slice(0, 500)}… (${text.length} characters)` : text;
}
