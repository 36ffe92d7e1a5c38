import type { Logger } from "pino";

/** What a ping found: an answer in time, an answer (or none) while other traffic kept arriving, silence, or its session ended first. */
export type Liveness = "answered" | "slow" | "dead" | "ended";

export interface LivenessOptions {
  /** Silence, with a ping waiting, after which the link counts as dead. */
  readonly timeoutMs: number;
  /** The longest one ping is waited for while other traffic arrives; then the next ping takes over. */
  readonly maxWaitMs: number;
}

/** Round trips of the last answered requests (pings included) that set the allowance. */
const RECENT = 5;
/** Silence allowed: this many times the slowest recent round trip... */
const SLOW_FACTOR = 3;
/** ...but at least timeoutMs and at most this many times it: a dead link is still found in bounded time. */
const MAX_FACTOR = 6;

/**
 * The half-open link rule. XEP-0199 section 4.2 pings the server to find a dead link, but a late
 * answer alone is not one: an overloaded server answers everything late, and a fleet that
 * reconnects because of it adds a login and a resend of everything in flight per agent to the load
 * that made it slow. So every byte read from the server counts as a sign of life (stanzas,
 * XEP-0198 `<a/>` and `<r/>`, a large stanza still arriving), and the link is dead only when
 * nothing at all arrived for `timeoutMs` while a ping was waiting. The clock starts when the ping is sent: traffic from before proves nothing. A server
 * that was slow lately may fall silent for longer before it answers again (it works through its
 * queue; a server that serves its sessions in turns leaves each one silent for a whole turn), so the
 * silence allowed grows to 3x the slowest of the last five answered requests (pings, publishes,
 * node configuration, the slowest step of the session's login), bounded by 6 x timeoutMs.
 *
 * A silence past that allowance is a dead link only when our bytes are not getting through: while
 * the server's host acknowledges every byte we sent at the TCP level (tcp-acks.ts), the server
 * process is there and behind (an overloaded Prosody leaves sessions unread for tens of seconds),
 * so the link gets the whole 6 x timeoutMs. A link whose packets are lost (a pulled cable, a NAT
 * that forgot the connection) leaves our ping unacknowledged and is declared dead at the allowance.
 */
export function createLiveness(deps: {
  readonly log: Logger;
  readonly now?: () => number;
  /** Bytes sent that the server's host has not acknowledged (tcp-acks.ts); undefined: unknown. */
  readonly unacknowledged?: () => Promise<number | undefined>;
}, options: LivenessOptions) {
  const now = deps.now ?? Date.now;
  let lastInboundAt = Number.NEGATIVE_INFINITY;
  const recent: number[] = [];
  const record = (ms: number): void => {
    recent.push(ms);
    if (recent.length > RECENT) recent.shift();
  };
  const capMs = MAX_FACTOR * options.timeoutMs;
  const allowedSilenceMs = (): number => Math.min(MAX_FACTOR * options.timeoutMs, Math.max(options.timeoutMs, SLOW_FACTOR * Math.max(0, ...recent)));

  /** The server's host acknowledged every byte we sent: worth the longest wait. Logged per probe. */
  async function hostTakesOurBytes(silentFrom: number): Promise<boolean> {
    const unacknowledged = await deps.unacknowledged?.();
    if (unacknowledged !== 0) return false;
    deps.log.info({ silentMs: now() - silentFrom, waitingUpToMs: capMs }, "no answer and nothing else from the server, but its host acknowledges every byte we send: the server is busy, not gone; waiting longer");
    return true;
  }

  /** The ping itself gave up: the link is alive if anything arrives before the longest silence is over. */
  async function waitOutSilence(silentFrom: number, sentAt: number): Promise<Liveness> {
    // Unref: a session stopped meanwhile must not keep the process alive for up to 6 x the timeout.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, silentFrom + capMs - now())).unref());
    await afterPendingIo();
    if (lastInboundAt <= silentFrom) return "dead";
    record(now() - sentAt);
    return "slow";
  }

  return {
    /** Called for every sign of life from the server: bytes read from its socket, elements parsed. */
    inbound(): void {
      lastInboundAt = now();
    },

    /** A request of the current session was answered after `ms` (the caller leaves out answers that waited for a reconnect). */
    observe(ms: number): void {
      record(ms);
    },

    /** How long the link may be silent, with a ping waiting, before it counts as dead. */
    get allowedSilenceMs(): number {
      return allowedSilenceMs();
    },

    /**
     * Sends one ping (`ping(timeoutMs)` resolves or rejects with the server's answer, or rejects
     * after timeoutMs) and waits until it is answered, the link is silent for `timeoutMs`, or
     * `maxWaitMs` passed with traffic still arriving.
     */
    async probe(ping: (timeoutMs: number) => Promise<unknown>): Promise<Liveness> {
      const sentAt = now();
      let settled = false;
      // An error reply is an answer too: the server is there (XEP-0199 section 4.2, service-unavailable).
      // A rejection that is neither (the session ended under it) ends the probe: the caller sees the link is gone.
      const answer = ping(options.maxWaitMs).then(() => "answer" as const, (error: unknown) => (isTimeout(error) ? "timeout" as const : isStanzaError(error) ? "answer" as const : "ended" as const))
        .finally(() => { settled = true; });
      let silentFrom = sentAt;
      let late = false;
      /** This probe already waits the longest silence (the server's host takes our bytes). */
      let extended = false;
      let silenceMs = allowedSilenceMs();
      for (;;) {
        const waitMs = Math.max(0, silentFrom + silenceMs - now());
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([answer, new Promise<"wait">((resolve) => { timer = setTimeout(() => resolve("wait"), waitMs); })]);
        clearTimeout(timer);
        if (outcome === "answer") {
          record(now() - sentAt);
          return late ? "slow" : "answered";
        }
        if (outcome === "ended") return "ended";
        // Timers run before the event loop reads the sockets: after a stall of this process
        // (GC, a busy host) the bytes the server sent in time may still wait in the kernel.
        // Let the loop read them before calling the link silent.
        if (lastInboundAt <= silentFrom) await afterPendingIo();
        if (lastInboundAt <= silentFrom) {
          if (!extended && silenceMs < capMs && (await hostTakesOurBytes(silentFrom))) {
            extended = true;
            late = true;
            silenceMs = capMs;
          }
          if (!extended || now() - silentFrom >= capMs) return "dead";
          if (outcome === "timeout" || settled) return await waitOutSilence(silentFrom, sentAt);
          continue;
        }
        if (outcome === "timeout" || settled || now() - sentAt >= options.maxWaitMs) {
          record(now() - sentAt);
          return "slow";
        }
        if (!late) {
          late = true;
          deps.log.info({ waitedMs: now() - sentAt, lastInboundMsAgo: now() - lastInboundAt }, "ping answer late but other traffic arrives: the server is slow, the link is not dead");
        }
        silentFrom = lastInboundAt;
      }
    },
  };
}

export type LivenessWatch = ReturnType<typeof createLiveness>;

/** Resolves in the event loop's check phase, after the poll phase has read the sockets that were readable. */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isStanzaError(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === "StanzaError";
}

/** xmpp.js rejects a request it stopped waiting for with a TimeoutError whose message is empty. */
export function isTimeout(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === "TimeoutError" || String(e?.message ?? "").toLowerCase().includes("timeout");
}
