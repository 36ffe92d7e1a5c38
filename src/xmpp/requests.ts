import { randomBytes } from "node:crypto";
import type { Element } from "@xmpp/xml";
import { IotError } from "../errors/catalog.js";

interface Deferred { promise: Promise<unknown>; reject(error: unknown): void }
interface IqCaller {
  handlers: Map<string, Deferred>;
  request(element: Element, timeoutMs?: number): Promise<Element>;
}

/**
 * The IQ requests of the agent's own parts, so they can all be failed at once when the session
 * they were sent on ends. xmpp.js 0.14 keeps a request's handler until its timeout even after the
 * stream is gone: an answer can never come (RFC 6120 section 8.2.3: a result belongs to its
 * stream), and whoever awaits it (a node being created, a publish) stalls for up to 120 s on the
 * next session. Not for a resumed session (XEP-0198 section 5): the server answers those.
 */
export function createRequestTracker(iqCaller: IqCaller) {
  const pending = new Set<string>();
  const prefix = randomBytes(4).toString("hex");
  let counter = 0;

  return {
    request(element: Element, timeoutMs: number): Promise<Element> {
      const id = (element.attrs["id"] as string | undefined) ?? (element.attrs["id"] = `${prefix}-${(++counter).toString(36)}`);
      pending.add(id);
      return iqCaller.request(element, timeoutMs).finally(() => pending.delete(id));
    },

    get size(): number {
      return pending.size;
    },

    /** Every request in flight fails now with SERVICE_UNREACHABLE `reason`. */
    failAll(reason: string): number {
      let failed = 0;
      for (const id of pending) {
        const deferred = iqCaller.handlers.get(id);
        if (!deferred) continue;
        iqCaller.handlers.delete(id);
        // iq/caller awaits the write before it listens to this promise: mark it handled first,
        // or a rejection in that window is an unhandled one (the request still sees it).
        deferred.promise.catch(() => undefined);
        deferred.reject(new IotError("SERVICE_UNREACHABLE", reason));
        failed++;
      }
      pending.clear();
      return failed;
    },
  };
}
