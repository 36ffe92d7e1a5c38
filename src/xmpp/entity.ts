import xml from "@xmpp/xml";
import { rootCertificates } from "node:tls";
import { IotError } from "../errors/catalog.js";
import {
  boundUnackedQueue, canUpgrade, Client, fixInboundCount, guardIqCaller, ignoreBytesAfterStreamClose, iqCallee as _iqCallee,
  iqCaller as _iqCaller, jid, middleware as _middleware, resourceBinding as _resourceBinding, sasl as _sasl, SASLFactory,
  saslPlain as plain, saslScramSha1 as scramsha1, streamFeatures as _streamFeatures, streamManagement as _streamManagement,
  tcp as _tcp, tls as _tls, upgrade, type XmppJsEntity,
} from "./xmppjs.js";

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

  streamFeatures.use("starttls", NS_TLS, async ({ entity: e }: { entity: XmppJsEntity }, next: () => Promise<void>) => {
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
  middleware.use((ctx, next) => {
    if (options.tlsRequired && ctx.stanza.is("features", "http://etherx.jabber.org/streams") && !entity.isSecure()) {
      throw new IotError("TLS_REQUIRED", `${options.service} does not offer TLS; refusing to log in in plaintext (set "tls": "off" only for a loopback server)`);
    }
    return next();
  });

  const credentials = { username: options.username, password: options.password };
  _sasl({ streamFeatures, saslFactory }, async (authenticate, mechanisms) => {
    const mechanism = mechanisms.find((m) => m === "SCRAM-SHA-1") ?? mechanisms.find((m) => m === "PLAIN");
    if (!mechanism) throw new IotError("AUTH_FAILED", `no supported SASL mechanism among ${mechanisms.join(", ")}`);
    await authenticate(credentials, mechanism);
  });
  _resourceBinding({ iqCaller, streamFeatures }, options.resource);

  return { entity, middleware, iqCaller, iqCallee, streamManagement };
}

export type XmppEntity = ReturnType<typeof createEntity>;

function tlsRootCertificates(): readonly string[] {
  return rootCertificates;
}
