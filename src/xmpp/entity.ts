import { Client, jid } from "@xmpp/client-core";
import _tcp from "@xmpp/tcp";
import _tls from "@xmpp/tls";
import _middleware from "@xmpp/middleware";
import _streamFeatures from "@xmpp/stream-features";
import _iqCaller from "@xmpp/iq/caller.js";
import _iqCallee from "@xmpp/iq/callee.js";
import _sasl from "@xmpp/sasl";
import _resourceBinding from "@xmpp/resource-binding";
import _streamManagement from "@xmpp/stream-management";
import scramsha1 from "@xmpp/sasl-scram-sha-1";
import plain from "@xmpp/sasl-plain";
import SASLFactory from "saslmechanisms";
import { canUpgrade, upgrade } from "@xmpp/starttls/starttls.js";
import xml from "@xmpp/xml";
import { IotError } from "../errors.js";
import { boundUnackedQueue } from "./sm-ack-bound.js";
import { guardIqCaller } from "./iq-guard.js";

const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";

export interface EntityOptions {
  readonly service: string;
  readonly domain: string;
  readonly username: string;
  readonly password: string;
  readonly resource: string;
  readonly tlsRequired: boolean;
  /** Extra trusted CA / self-signed certificate (PEM); Node's default store is kept too. */
  readonly ca?: string;
  /** XEP-0198 where the server offers it (default on): a cut link resumes without loss or resend. */
  readonly streamManagement?: boolean;
}

/**
 * xmpp.js's `client()` composed by hand (packages/client/index.js is the model), because we need
 * two things it does not offer: STARTTLS with our own trust store (it passes only `host`), and a
 * refusal to authenticate over a plaintext stream when TLS is required (RFC 6120 section 5.3.1).
 * Websocket, SASL2, FAST and the fixed-delay reconnect are left out: src/xmpp/connection.ts
 * reconnects with backoff.
 */
export function createEntity(options: EntityOptions) {
  const entity = new Client({ service: options.service, domain: options.domain });
  entity.jid = jid(options.username, options.domain);
  ignoreBytesAfterStreamClose(entity);
  _tcp({ entity });
  _tls({ entity });
  const middleware = _middleware({ entity });
  const streamFeatures = _streamFeatures({ middleware });
  // Before iq/caller: its middleware swallows the IQ results it routes, and stream management
  // must count every inbound stanza (XEP-0198 section 4); see fixInboundCount.
  const streamManagement = options.streamManagement === false ? undefined : _streamManagement({ streamFeatures, entity, middleware });
  if (streamManagement) {
    fixInboundCount(entity, middleware, streamManagement);
    boundUnackedQueue(entity, middleware, streamManagement);
  }
  const iqCaller = _iqCaller({ middleware, entity });
  guardIqCaller(iqCaller); // an error reply before the write callback must not be an unhandled rejection
  const iqCallee = _iqCallee({ middleware, entity });
  const saslFactory = new SASLFactory();
  scramsha1(saslFactory);
  plain(saslFactory);

  streamFeatures.use("starttls", NS_TLS, async ({ entity: e }: { entity: any }, next: () => Promise<void>) => {
    // "tls": "off" is explicit and loopback-only: no opportunistic STARTTLS either.
    if (!options.tlsRequired || !canUpgrade(e.socket)) return next();
    const proceed = await e.sendReceive(xml("starttls", { xmlns: NS_TLS }));
    if (!proceed.is("proceed", NS_TLS)) throw new IotError("TLS_REQUIRED", "the server refused STARTTLS");
    const tlsSocket = await upgrade(e.socket, {
      host: options.domain,
      servername: options.domain,
      ...(options.ca !== undefined ? { ca: [...tlsRootCertificates(), options.ca] } : {}),
    });
    e._attachSocket(tlsSocket);
    await e.restart();
  });

  // Runs for every <stream:features/> after STARTTLS had its chance: never send credentials in clear.
  middleware.use((ctx: any, next: () => Promise<void>) => {
    if (options.tlsRequired && ctx.stanza.is("features", "http://etherx.jabber.org/streams") && !entity.isSecure()) {
      throw new IotError("TLS_REQUIRED", `${options.service} does not offer TLS; refusing to log in in plaintext (set "tls": "off" only for a loopback server)`);
    }
    return next();
  });

  const credentials = { username: options.username, password: options.password };
  _sasl({ streamFeatures, saslFactory }, async (authenticate: any, mechanisms: string[]) => {
    const mechanism = mechanisms.find((m) => m === "SCRAM-SHA-1") ?? mechanisms.find((m) => m === "PLAIN");
    if (!mechanism) throw new IotError("AUTH_FAILED", `no supported SASL mechanism among ${mechanisms.join(", ")}`);
    await authenticate(credentials, mechanism);
  });
  _resourceBinding({ iqCaller, streamFeatures }, options.resource);

  return { entity, middleware, iqCaller, iqCallee, streamManagement };
}

export type XmppEntity = ReturnType<typeof createEntity>;

/**
 * xmpp.js 0.14 drops its XML parser when the server closes the stream (`</stream:stream>`, RFC 6120
 * section 4.4) or sends unparsable XML, but keeps the socket's data listener until the socket
 * closes: bytes arriving in between make `parser.write` throw a TypeError inside the socket's data
 * event, an uncaught exception that ends the process (seen with a subscriber on an overloaded
 * Prosody). Nothing after the close is meaningful on that stream: drop it.
 */
export function ignoreBytesAfterStreamClose(entity: any): void {
  const onData = entity._onData as (data: Buffer) => void;
  entity._onData = function (this: { parser: unknown }, data: Buffer): void {
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
function fixInboundCount(entity: any, middleware: any, sm: any): void {
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
  middleware.use((ctx: any, next: () => unknown) => {
    if (ctx.stanza.is("enabled", NS_SM)) { inbound = 0; ignoreNextReset = true; }
    return next();
  });
  entity.on("disconnect", () => { ignoreNextReset = false; });
}

import { rootCertificates } from "node:tls";
function tlsRootCertificates(): readonly string[] {
  return rootCertificates;
}
