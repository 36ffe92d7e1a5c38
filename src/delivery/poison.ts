import type { OutboxEntry } from "../outbox/index.js";

/**
 * Link deaths a single send can provoke, named as the stream error conditions of RFC 6120 section
 * 4.9.3: malformed XML, a stanza over the server's size limit (Prosody: policy-violation "XML
 * stanza is too big"). A transport reports its link's death in these words (DeliveryLink.offline).
 */
export const STANZA_STREAM_ERRORS: ReadonlySet<string> = new Set([
  "not-well-formed", "invalid-xml", "bad-format", "restricted-xml", "policy-violation", "unsupported-encoding",
]);

/** Deaths of a stream with only this entry in flight before it is set aside. */
export const STRIKES = 2;

/**
 * Finds the one entry whose send kills the stream, deterministically and with a bound:
 * after such a death with several entries in flight, the engine sends one at a time ("probing")
 * through the newest of them; a death with a single entry in flight is a strike against it, and
 * STRIKES of them in a row set it aside. At most 1 + STRIKES deaths per bad entry; probing ends
 * when the newest suspect is acknowledged (or nothing is left).
 */
export function createPoisonFinder() {
  let probeThrough = -1;
  let suspect: { seq: number; strikes: number } | undefined;

  return {
    get probing(): boolean {
      return probeThrough >= 0;
    },

    /** Send one at a time through `seq` (a death, or a batch refused as bad: find the culprit). */
    probe(seq: number): void {
      probeThrough = Math.max(probeThrough, seq);
    },

    /** The stream died with `condition`; returns the entry to set aside, if one is proven guilty. */
    onStreamDeath(condition: string | undefined, inflight: readonly OutboxEntry[]): OutboxEntry | undefined {
      if (condition === undefined || !STANZA_STREAM_ERRORS.has(condition) || inflight.length === 0) return undefined;
      if (inflight.length > 1 || probeThrough < 0) {
        this.probe(Math.max(...inflight.map((e) => e.seq)));
        if (inflight.length > 1) return undefined;
      }
      const [only] = inflight;
      suspect = suspect?.seq === only!.seq ? { seq: only!.seq, strikes: suspect.strikes + 1 } : { seq: only!.seq, strikes: 1 };
      if (suspect.strikes < STRIKES) return undefined;
      suspect = undefined;
      return only;
    },

    /** An entry left the outbox (acknowledged or set aside). */
    settled(seq: number): void {
      if (suspect?.seq === seq) suspect = undefined;
      if (seq >= probeThrough) probeThrough = -1;
    },

    /** Nothing left to send: nothing to probe. */
    idle(): void {
      probeThrough = -1;
    },
  };
}
