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
 *
 * Which requests are ours is told by their id (ours carry `prefix-`; xmpp.js's own are
 * alphanumeric) and which are pending by iqCaller's handler map: no set entry and no `.finally`
 * per request, which is one per published reading. Ids a caller chose are kept until answered.
 */
export function createRequestTracker(iqCaller: IqCaller) {
  const prefix = `${randomBytes(4).toString("hex")}-`;
  const chosen = new Set<string>();
  let counter = 0;
  const ours = (id: string): boolean => id.startsWith(prefix) || chosen.has(id);

  return {
    request(element: Element, timeoutMs: number): Promise<Element> {
      const given = element.attrs["id"] as string | undefined;
      if (given === undefined) {
        element.attrs["id"] = prefix + (++counter).toString(36);
        return iqCaller.request(element, timeoutMs);
      }
      chosen.add(given);
      return iqCaller.request(element, timeoutMs).finally(() => chosen.delete(given));
    },

    get size(): number {
      let pending = 0;
      for (const id of iqCaller.handlers.keys()) if (ours(id)) pending++;
      return pending;
    },

    /** Every request in flight fails now with SERVICE_UNREACHABLE `reason`. */
    failAll(reason: string): number {
      let failed = 0;
      for (const [id, deferred] of iqCaller.handlers) {
        if (!ours(id)) continue;
        iqCaller.handlers.delete(id);
        // iq/caller awaits the write before it listens to this promise: mark it handled first,
        // or a rejection in that window is an unhandled one (the request still sees it).
        deferred.promise.catch(() => undefined);
        deferred.reject(new IotError("SERVICE_UNREACHABLE", reason));
        failed++;
      }
      chosen.clear();
      return failed;
    },
  };
}
