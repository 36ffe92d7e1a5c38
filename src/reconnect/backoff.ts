/**
 * The one reconnect rule of the agent, for every link that can drop and come back: the XMPP
 * session, the MQTT broker, a serial port, a libgpiod tool process.
 *
 * - Delays grow exponentially from `reconnectMinMs`, doubling per failed attempt, capped at
 *   `reconnectMaxMs` (a max below the min is read as the min).
 * - Jitter is "equal jitter": half of the capped delay is fixed and the other half random, so a
 *   fleet of Pis that lost the same server does not come back in lockstep, while each still waits
 *   at least half the nominal delay.
 * - A link that stayed up for `STABLE_AFTER_MS` counts as a success: the delay after its drop
 *   starts from the minimum again. One that drops sooner (a server that accepts and closes at once,
 *   a flapping cable, a tool that dies at start) keeps the delays growing.
 */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

/** How long a link must stay up before its drop starts the backoff over. */
export const STABLE_AFTER_MS = 10_000;

/** The delay before attempt `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const maxMs = Math.max(options.minMs, options.maxMs);
  const capped = Math.min(maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** A plain retry schedule: `next()` gives the delay for the coming attempt, `reset()` after a success. */
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

/** The config naming of a reconnect range, the same in every section and driver. */
export interface ReconnectRange {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export interface ReconnectSeams {
  readonly random?: () => number;
  readonly now?: () => number;
  /** Tests only: the rule's STABLE_AFTER_MS. */
  readonly stableAfterMs?: number;
}

/**
 * The reconnect schedule of one link: `up()` when it comes up, `next()` for the delay before the
 * attempt after a drop or a failed attempt (it applies the stable rule above).
 */
export function createReconnectBackoff(range: ReconnectRange, seams: ReconnectSeams = {}) {
  const now = seams.now ?? Date.now;
  const stableAfterMs = seams.stableAfterMs ?? STABLE_AFTER_MS;
  const schedule = createBackoff({ minMs: range.reconnectMinMs, maxMs: range.reconnectMaxMs, ...(seams.random ? { random: seams.random } : {}) });
  let upSince: number | undefined;
  return {
    /** The link is up (connected, opened, holding its line). */
    up(): void {
      upSince = now();
    },
    /** The delay before the next attempt; after a link that stayed up long enough, the minimum's. */
    next(): number {
      if (upSince !== undefined && now() - upSince >= stableAfterMs) schedule.reset();
      upSince = undefined;
      return schedule.next();
    },
    /** Attempts since the last stable link (for logs). */
    get attempts(): number {
      return schedule.attempts;
    },
  };
}
