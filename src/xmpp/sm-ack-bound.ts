import xml from "@xmpp/xml";

const NS_SM = "urn:xmpp:sm:3";

/** Delay from a stanza going out to the `<r/>` asking for its ack: coalesces a burst into one request. */
export const ACK_REQUEST_DELAY_MS = 20;
/** Unacknowledged stanzas that make the agent ask at once instead of after the delay. */
export const MAX_UNACKED_BEFORE_REQUEST = 64;
/** A request unanswered this long no longer blocks the next one (the ping finds a dead link). */
const REQUEST_STALE_MS = 1000;

interface StreamManagementState { enabled: boolean; outbound_q: unknown[] }
interface Middleware {
  use(fn: (ctx: { stanza: { is(name: string, ns?: string): boolean } }, next: () => unknown) => unknown): void;
  filter(fn: (ctx: unknown, next: () => unknown) => unknown): void;
}

/**
 * Keeps xmpp.js 0.14's XEP-0198 outbound queue short. It holds every sent stanza until the server
 * acknowledges it, but asks for the ack only after 250 ms without any outgoing stanza (a
 * debounce): at a steady rate above ~4 stanzas/s it never asks and the queue (every stanza's
 * element tree) grows without bound until the link goes quiet. Here an `<r/>` (XEP-0198 section 4: either side may send one at any time) follows any outgoing
 * stanza within ACK_REQUEST_DELAY_MS, or at once when MAX_UNACKED_BEFORE_REQUEST are waiting; one
 * request is outstanding at a time, so under load it is one `<r/>` per round trip plus the delay.
 */
export function boundUnackedQueue(entity: { send(element: unknown): Promise<void>; on(event: string, fn: () => void): void }, middleware: Middleware, sm: StreamManagementState): void {
  let requestedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  const request = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!sm.enabled || sm.outbound_q.length === 0) return;
    requestedAt = Date.now();
    entity.send(xml("r", { xmlns: NS_SM })).catch(() => undefined);
  };
  const outstanding = (): boolean => requestedAt !== undefined && Date.now() - requestedAt < REQUEST_STALE_MS;

  middleware.filter((_ctx, next) => {
    const sent = next();
    if (!sm.enabled || outstanding()) return sent;
    // After the stanza that triggered it is written, never in the middle of its write.
    if (sm.outbound_q.length >= MAX_UNACKED_BEFORE_REQUEST) void Promise.resolve(sent).then(request, () => undefined);
    else timer ??= setTimeout(request, ACK_REQUEST_DELAY_MS);
    return sent;
  });
  middleware.use((ctx, next) => {
    if (ctx.stanza.is("a", NS_SM)) {
      requestedAt = undefined;
      // Stanzas sent while the request was out are not covered by this answer.
      if (sm.outbound_q.length > 0) timer ??= setTimeout(request, ACK_REQUEST_DELAY_MS);
    }
    return next();
  });
  entity.on("disconnect", () => {
    clearTimeout(timer);
    timer = undefined;
    requestedAt = undefined;
  });
}
