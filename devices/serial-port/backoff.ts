/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random. Full jitter can
 * pick ~0 ms and hammer a port that is still gone; equal jitter keeps a floor while still spreading
 * many devices (a USB hub reset unplugs all of them at once) apart.
 */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt; each call doubles the base up to maxMs. */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const random = options.random ?? Math.random;
  let attempts = 0;
  return {
    next() {
      const base = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempts, 30));
      attempts++;
      return Math.round(base / 2 + random() * (base / 2));
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
