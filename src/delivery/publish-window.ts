/**
 * How many sends (publish IQs) may be in flight, adapted to how fast the server answers. The idea is
 * LEDBAT's (RFC 6817 section 2): the round trip above the lowest one seen is queueing in the
 * server; when it passes a target the sender halves its window (at most once per round trip),
 * below it the window grows by one per window of answers (RFC 5681 section 3.1 congestion
 * avoidance). It starts at 4 and grows by one per answer up to the maximum (slow start, RFC 5681
 * section 3.1), so a fleet that boots together does not open with 32 publishes per agent. A fleet on an overloaded server thus sends less instead of filling the server's
 * queues further: at a window of 1 each agent is clocked by the server's own answers. Readings
 * meanwhile wait in the agent's bounded outbox (and, with pubsub.batch, leave in larger items).
 */
export interface PublishWindowOptions {
  readonly max: number;
  /** Queueing delay (round trip above the base) that counts as an overloaded server. */
  readonly targetDelayMs?: number;
  readonly now?: () => number;
}

/** 1 s of queueing: far above a loopback or LAN round trip plus a burst of 32 persistent publishes (~130 ms measured on Prosody). */
export const TARGET_DELAY_MS = 1000;
const INITIAL_WINDOW = 4;
/** The base round trip is the lowest of the current and the previous minute (RFC 6817 section 3.4.2 keeps minute minima). */
const BASE_BUCKET_MS = 60_000;

export function createPublishWindow(options: PublishWindowOptions) {
  const now = options.now ?? Date.now;
  const target = options.targetDelayMs ?? TARGET_DELAY_MS;
  let size = Math.min(options.max, INITIAL_WINDOW);
  /** Below it the window grows by one per answer (slow start), above it by one per window of answers. */
  let threshold = options.max;
  let growth = 0;
  let lastDecreaseAt = Number.NEGATIVE_INFINITY;
  let bucketStart = now();
  let currentMin = Number.POSITIVE_INFINITY;
  let previousMin = Number.POSITIVE_INFINITY;
  let decreases = 0;

  const base = (): number => Math.min(currentMin, previousMin);
  const decrease = (rttMs: number): void => {
    if (now() - lastDecreaseAt < rttMs) return; // one cut per round trip: the answers of one burst are one signal
    lastDecreaseAt = now();
    size = Math.max(1, Math.floor(size / 2));
    threshold = size;
    growth = 0;
    decreases++;
  };

  return {
    get size(): number {
      return size;
    },
    /** Times the window was halved so far (for status and tests). */
    get decreases(): number {
      return decreases;
    },
    /** A publish was answered (result or error) `rttMs` after it was sent. */
    answered(rttMs: number): void {
      const t = now();
      if (t - bucketStart >= BASE_BUCKET_MS) {
        previousMin = currentMin;
        currentMin = Number.POSITIVE_INFINITY;
        bucketStart = t;
      }
      currentMin = Math.min(currentMin, rttMs);
      if (rttMs - base() > target) return decrease(rttMs);
      if (size >= options.max) return;
      if (size < threshold) {
        size++;
        return;
      }
      growth++; // answers at this size: one more slot after a full window of them
      if (growth >= size) {
        growth = 0;
        size++;
      }
    },
    /** The server said it is overloaded (resource-constraint, wait): the smallest window at once. */
    refused(): void {
      if (size > 1) decreases++;
      size = 1;
      threshold = 1;
      growth = 0;
      lastDecreaseAt = now();
    },
  };
}

export type PublishWindow = ReturnType<typeof createPublishWindow>;
