import { randomBytes } from "node:crypto";
import type { Element } from "@xmpp/xml";
import { IotError } from "../errors/catalog.js";

/** What xmpp.js 0.14's iq caller routes a reply to: `_route` calls `resolve(stanza)` or `reject(StanzaError)`. */
interface ReplyHandler { resolve(stanza: Element): void; reject(error: unknown): void }
interface IqCaller { handlers: Map<string, ReplyHandler> }
interface Sender { send(element: Element): Promise<unknown> }

/** One IQ of the agent's own parts waiting for its result or error (RFC 6120 section 8.2.3). */
class PendingRequest implements ReplyHandler {
  constructor(readonly resolve: (stanza: Element) => void, readonly reject: (error: unknown) => void, readonly deadline: number, readonly timeoutMs: number) {}
}

/** The same name xmpp.js gives its own: liveness and connect-errors tell a timeout by it. */
function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" });
}

const setHandler = Map.prototype.set;

/**
 * The IQ requests of the agent's own parts. The reply is routed by xmpp.js's iq caller (its
 * handler map is the one place incoming results are matched by id), but a request here costs one
 * promise and one map entry: xmpp.js's `request()` builds a Deferred, a delay promise with its own
 * timer, an Error (with its stack trace) made in advance for the timeout, a race and a `.finally`
 * for every IQ, which is one per published reading. Timeouts are kept by one timer armed for the
 * earliest deadline.
 *
 * A session's requests can all be failed at once when it ends: xmpp.js 0.14 keeps a request's
 * handler until its timeout even after the stream is gone, but an answer can never come (a result
 * belongs to its stream), and whoever awaits it (a node being created, a publish) would stall for up
 * to 120 s on the next session. Not for a resumed session (XEP-0198 section 5): the server answers those.
 */
export function createRequestTracker(entity: Sender, iqCaller: IqCaller) {
  const prefix = `${randomBytes(4).toString("hex")}-`;
  const handlers = iqCaller.handlers;
  let counter = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  function arm(deadline: number): void {
    if (deadline >= armedFor) return;
    clearTimeout(timer);
    armedFor = deadline;
    timer = setTimeout(expire, Math.max(0, deadline - Date.now()));
    timer.unref();
  }

  function expire(): void {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, handler] of handlers) {
      if (!(handler instanceof PendingRequest)) continue;
      if (handler.deadline <= now) {
        handlers.delete(id);
        handler.reject(timeoutError(handler.timeoutMs));
      } else if (handler.deadline < next) next = handler.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) arm(next);
  }

  return {
    /** Resolves with the `<iq type="result">`; rejects with its StanzaError, a write error or a TimeoutError. */
    request(element: Element, timeoutMs: number): Promise<Element> {
      const id = (element.attrs["id"] as string | undefined) ?? (element.attrs["id"] = prefix + (++counter).toString(36));
      return new Promise<Element>((resolve, reject) => {
        const handler = new PendingRequest(resolve, reject, Date.now() + timeoutMs, timeoutMs);
        // Past the guard in xmppjs.ts, which marks xmpp.js's Deferreds handled: this promise is
        // returned to the caller in this same turn, before any reply can be routed to it.
        setHandler.call(handlers, id, handler);
        arm(handler.deadline);
        entity.send(element).then(undefined, (error: unknown) => {
          if (handlers.get(id) !== handler) return;
          handlers.delete(id);
          reject(error);
        });
      });
    },

    get size(): number {
      let pending = 0;
      for (const handler of handlers.values()) if (handler instanceof PendingRequest) pending++;
      return pending;
    },

    /** Every request in flight fails now with SERVICE_UNREACHABLE `reason`. */
    failAll(reason: string): number {
      let failed = 0;
      for (const [id, handler] of handlers) {
        if (!(handler instanceof PendingRequest)) continue;
        handlers.delete(id);
        handler.reject(new IotError("SERVICE_UNREACHABLE", reason));
        failed++;
      }
      clearTimeout(timer);
      timer = undefined;
      armedFor = Number.POSITIVE_INFINITY;
      return failed;
    },
  };
}
