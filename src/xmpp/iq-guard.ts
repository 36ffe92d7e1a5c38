/** What this guard relies on in xmpp.js 0.14's iq/caller.js: replies are routed to Deferreds kept in a Map by IQ id. */
export interface GuardableIqCaller {
  handlers: Map<string, { promise: Promise<unknown> }>;
}

const ignore = (): void => undefined;

/**
 * xmpp.js 0.14 `IQCaller.request()` registers a Deferred for the reply, `await`s
 * `entity.send(stanza)` (resolved by the socket's write callback), and only then attaches a handler
 * to the Deferred's promise (through `timeout()`). Two windows leave a rejected promise nobody
 * listens to, which Node turns into an `unhandledRejection` and, by default, a crash:
 * 1. the error reply is routed before the write callback ran (the server answered faster than the
 *    write completed: over TLS about 1 request in 300 here);
 * 2. the write then fails (socket closed): request() throws the write error, and the StanzaError
 *    already in the Deferred is never looked at by anyone.
 * Marking each Deferred's promise as handled the moment it is registered closes both; the caller
 * of request() still gets the same rejection from the same promise.
 */
export function guardIqCaller(iqCaller: unknown): void {
  const handlers = (iqCaller as Partial<GuardableIqCaller>).handlers;
  if (!(handlers instanceof Map)) {
    // Loud on purpose: an xmpp.js upgrade that moved this must be looked at, not silently unguarded.
    throw new Error("xmpp.js iq caller has no `handlers` Map: review src/xmpp/iq-guard.ts for this xmpp.js version");
  }
  const set = handlers.set.bind(handlers);
  handlers.set = (id, deferred) => {
    deferred.promise.catch(ignore);
    return set(id, deferred);
  };
}
