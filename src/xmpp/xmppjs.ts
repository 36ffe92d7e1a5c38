/*
 * The one module that reaches past xmpp.js's public surface. xmpp.js 0.14.0 is pinned in
 * package.json because of what is here: imports of files inside its packages, and patches of its
 * state. xmppjs.test.ts checks each thing relied on against the installed version, so an upgrade
 * that moves one fails there by name instead of silently unguarding the agent.
 * Everything else in src/ uses @xmpp/xml and the handles this module and entity.ts return.
 */
import xml from "@xmpp/xml";
import { forbiddenXmlChar, replaceForbiddenXmlChars } from "../xml/chars.js";
import type { IqCaller, Middleware, StreamManagement, XmppJsEntity } from "@xmpp/client-core";

export { Client, jid } from "@xmpp/client-core";
export type { StreamManagement, XmppJsEntity } from "@xmpp/client-core";
export { default as tcp } from "@xmpp/tcp";
export { default as tls } from "@xmpp/tls";
export { default as middleware } from "@xmpp/middleware";
export { default as streamFeatures } from "@xmpp/stream-features";
export { default as iqCaller } from "@xmpp/iq/caller.js";
export { default as iqCallee } from "@xmpp/iq/callee.js";
export { default as sasl } from "@xmpp/sasl";
export { default as resourceBinding } from "@xmpp/resource-binding";
export { default as streamManagement } from "@xmpp/stream-management";
export { default as saslScramSha1 } from "@xmpp/sasl-scram-sha-1";
export { default as saslPlain } from "@xmpp/sasl-plain";
export { default as SASLFactory } from "saslmechanisms";
/** STARTTLS's socket upgrade, used with our own trust store (entity.ts). */
export { canUpgrade, upgrade } from "@xmpp/starttls/starttls.js";
/** The error an IQ request rejects with when the server answers `type="error"`. */
export { default as StanzaError } from "@xmpp/middleware/lib/StanzaError.js";

/**
 * xmpp.js 0.14 drops its XML parser when the server closes the stream (`</stream:stream>`, RFC 6120
 * section 4.4) or sends unparsable XML, but keeps the socket's data listener until the socket
 * closes: bytes arriving in between make `parser.write` throw a TypeError inside the socket's data
 * event, an uncaught exception that ends the process (seen with a subscriber on an overloaded
 * Prosody). Nothing after the close is meaningful on that stream: drop it.
 */
export function ignoreBytesAfterStreamClose(entity: XmppJsEntity): void {
  const onData = entity._onData;
  entity._onData = function (this: XmppJsEntity, data: Buffer): void {
    if (this.parser) onData.call(this, data);
  };
}

const NS_SM = "urn:xmpp:sm:3";

/**
 * xmpp.js 0.14 stream management miscounts inbound stanzas in two ways, and Prosody 0.12
 * mod_smacks then closes the stream with "Client acknowledged less stanzas than already
 * acknowledged" (util/smqueue.lua: an <a h> below the last one):
 * 1. iq/caller's middleware does not call next() for the results it routes, so a stream
 *    management middleware registered after it never counts them (fixed by creating it first);
 * 2. the counter is reset to 0 in a continuation after <enabled/> ("await promiseEnable"), i.e.
 *    after every element of the same TCP chunk was handled: stanzas right behind <enabled/> are
 *    counted and then wiped, and an <a/> sent for an <r/> in that chunk carries the pre-reset h,
 *    so a later <a/> goes backwards. Here the reset happens synchronously when <enabled/> is
 *    parsed (XEP-0198 section 4: counting starts on <enabled/>), and the late reset is ignored.
 */
export function fixInboundCount(entity: XmppJsEntity, middleware: Middleware, sm: StreamManagement): void {
  let inbound = 0;
  let ignoreNextReset = false;
  Object.defineProperty(sm, "inbound", {
    configurable: true,
    enumerable: true,
    get: () => inbound,
    set: (value: number) => {
      if (value === 0 && ignoreNextReset) { ignoreNextReset = false; return; }
      inbound = value;
    },
  });
  middleware.use((ctx, next) => {
    if (ctx.stanza.is("enabled", NS_SM)) { inbound = 0; ignoreNextReset = true; }
    return next();
  });
  entity.on("disconnect", () => { ignoreNextReset = false; });
}

/** Delay from a stanza going out to the `<r/>` asking for its ack: coalesces a burst into one request. */
export const ACK_REQUEST_DELAY_MS = 20;
/** Unacknowledged stanzas that make the agent ask at once instead of after the delay. */
export const MAX_UNACKED_BEFORE_REQUEST = 64;
/** A request unanswered this long no longer blocks the next one (the ping finds a dead link). */
const REQUEST_STALE_MS = 1000;

/**
 * Keeps xmpp.js 0.14's XEP-0198 outbound queue short. It holds every sent stanza until the server
 * acknowledges it, but asks for the ack only after 250 ms without any outgoing stanza (a
 * debounce): at a steady rate above ~4 stanzas/s it never asks and the queue (every stanza's
 * element tree) grows without bound until the link goes quiet. Here an `<r/>` (XEP-0198 section 4: either side may send one at any time) follows any outgoing
 * stanza within ACK_REQUEST_DELAY_MS, or at once when MAX_UNACKED_BEFORE_REQUEST are waiting; one
 * request is outstanding at a time, so under load it is one `<r/>` per round trip plus the delay.
 */
export function boundUnackedQueue(entity: XmppJsEntity, middleware: Middleware, sm: StreamManagement): void {
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
  const handlers = (iqCaller as Partial<Pick<IqCaller, "handlers">>).handlers;
  if (!(handlers instanceof Map)) {
    // Loud on purpose: an xmpp.js upgrade that moved this must be looked at, not silently unguarded.
    throw new Error("xmpp.js iq caller has no `handlers` Map: review src/xmpp/xmppjs.ts for this xmpp.js version");
  }
  const set = handlers.set.bind(handlers);
  handlers.set = (id, deferred) => {
    deferred.promise?.catch(ignore);
    return set(id, deferred);
  };
}

/**
 * The last line of defence: every string xmpp.js writes to the socket (stanzas, nonzas, batches
 * of resent stanzas) passes here, and a character XML 1.0 forbids is replaced with U+FFFD. One
 * such character would make the server close the stream with not-well-formed (RFC 6120 section
 * 4.9.3.13) on every attempt to send it. The parts that build stanzas should never produce one
 * (the pipeline refuses them); `onReplaced` says when something did.
 */
export function guardOutgoingXml(entity: Pick<XmppJsEntity, "write">, onReplaced: (char: string) => void): void {
  const write = entity.write.bind(entity);
  entity.write = (text: string): Promise<void> => {
    const char = forbiddenXmlChar(text);
    if (char === undefined) return write(text);
    onReplaced(char);
    return write(replaceForbiddenXmlChars(text));
  };
}

/**
 * xmpp.js's XEP-0198 layer closes the stream `timeout` ms (60 s) after an `<r/>` with no element
 * since: a second half-open rule that counts no bytes and knows no slow server. liveness.ts is the
 * one rule, so this one is turned off.
 */
export function disableAckTimeout(sm: StreamManagement): void {
  sm.timeout = 0;
}

/** node's socket (xmpp.js's TLS socket wraps it as `.socket`), for TCP_NODELAY, a hard close and its TCP state. */
export function rawSocket(entity: XmppJsEntity): { setNoDelay?: (on: boolean) => void; destroy?: () => void; localPort?: number; remotePort?: number } | undefined {
  const socket = entity.socket;
  return socket?.socket ?? socket ?? undefined;
}
