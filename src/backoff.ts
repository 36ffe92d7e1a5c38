/**
 * Exponential backoff with "equal jitter": half the capped exponential delay is fixed, the other
 * half random, so a fleet of Pis that lost the same server does not reconnect in lockstep while
 * each still waits at least half the nominal delay.
 */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const capped = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** A retry schedule: `next()` gives the delay for the coming attempt, `reset()` after a success. */
export function createBackoff(options: BackoffOptions) {
  let attempt = 0;
  return {
    next(): number {
      return backoffDelay(attempt++, options);
    },
    reset(): void {
      attempt = 0;
    },
    get attempts(): number {
      return attempt;
    },
  };
}
