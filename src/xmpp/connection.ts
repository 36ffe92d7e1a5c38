import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import xml, { type Element } from "@xmpp/xml";
import { createBackoff } from "../backoff.js";
import { IotError, messageOf } from "../errors.js";
import { createEntity, type EntityOptions, type XmppEntity } from "./entity.js";

export interface ConnectionOptions extends EntityOptions {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export interface ConnectionEvents {
  online: [{ resumed: boolean }];
  offline: [];
  stanza: [Element];
}

export type IqHandler = (stanza: Element, element: Element) => Element | undefined | Promise<Element | undefined>;

/**
 * One XMPP session that stays up: connect (exit code 69 when the server is unreachable or refuses
 * the login at start), reconnect with backoff and jitter, notice a half-open link with XEP-0199
 * pings, and set TCP_NODELAY (xmpp.js leaves Nagle on: 40 ms per round trip on loopback).
 */
export function createConnection(deps: { readonly log: Logger }, options: ConnectionOptions) {
  const { log } = deps;
  const events = new EventEmitter<ConnectionEvents>();
  const xmpp: XmppEntity = createEntity(options);
  const { entity } = xmpp;
  const backoff = createBackoff({ minMs: options.reconnectMinMs, maxMs: options.reconnectMaxMs });
  let stopping = false;
  let online = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;

  entity.on("connect", () => rawSocket(entity)?.setNoDelay?.(true));
  entity.on("stanza", (stanza: Element) => events.emit("stanza", stanza));
  entity.on("error", (error: unknown) => log.debug({ err: messageOf(error) }, "xmpp error"));
  entity.on("online", () => markOnline(false));
  xmpp.streamManagement?.on("resumed", () => markOnline(true));
  entity.on("disconnect", () => {
    if (online) log.warn("xmpp connection lost; readings are queued until it is back");
    online = false;
    clearInterval(pingTimer);
    events.emit("offline");
    if (!stopping) scheduleReconnect();
  });

  function markOnline(resumed: boolean): void {
    online = true;
    backoff.reset();
    log.info({ jid: String(entity.jid), resumed }, "xmpp online");
    clearInterval(pingTimer);
    pingTimer = setInterval(() => void keepalive(), options.pingIntervalMs);
    events.emit("online", { resumed });
  }

  function scheduleReconnect(): void {
    clearTimeout(reconnectTimer);
    const delay = backoff.next();
    log.info({ attempt: backoff.attempts, delayMs: delay }, "xmpp reconnect scheduled");
    reconnectTimer = setTimeout(() => void reconnect(), delay);
  }

  async function reconnect(): Promise<void> {
    if (stopping || entity.status !== "disconnect" && entity.status !== "offline") return;
    try {
      await entity.connect(options.service);
      await entity.open({ domain: options.domain });
    } catch (error) {
      log.warn({ err: messageOf(error) }, "xmpp reconnect failed");
      // A refused TCP connect emits no "disconnect" of its own.
      if (!stopping && entity.status !== "online" && !entity.socket) scheduleReconnect();
    }
  }

  /** XEP-0199 section 4.2: client-to-server ping; no answer in time = the link is dead. */
  async function keepalive(): Promise<void> {
    if (!online) return;
    try {
      await xmpp.iqCaller.request(xml("iq", { type: "get", to: options.domain }, xml("ping", { xmlns: "urn:xmpp:ping" })), options.pingTimeoutMs);
    } catch (error) {
      if (!online || stopping) return;
      // xmpp.js rejects with a TimeoutError whose message is empty: match the name.
      if ((error as { name?: string }).name === "TimeoutError" || messageOf(error).toLowerCase().includes("timeout")) {
        log.warn({ timeoutMs: options.pingTimeoutMs }, "no answer to ping: the link is half-open; reconnecting");
        rawSocket(entity)?.destroy?.();
      }
    }
  }

  return {
    events,
    iqCaller: xmpp.iqCaller,
    iqCallee: xmpp.iqCallee as { get(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void; set(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void },
    streamManagement: xmpp.streamManagement,
    get jid(): string {
      return String(entity.jid ?? `${options.username}@${options.domain}`);
    },
    get bareJid(): string {
      return `${options.username}@${options.domain}`;
    },
    isOnline: () => online,

    async start(signal: AbortSignal): Promise<void> {
      signal.addEventListener("abort", () => void this.stop(), { once: true });
      try {
        await entity.start();
      } catch (error) {
        stopping = true;
        await entity.stop().catch(() => undefined);
        throw classify(error, options.service);
      }
    },

    /** Sends a stanza; throws when offline, so callers queue instead (DESIGN: never into a closed stream). */
    async send(element: Element): Promise<void> {
      if (!online) throw new IotError("SERVICE_UNREACHABLE", "xmpp is offline");
      await entity.send(element);
    },

    async request(element: Element, timeoutMs = 30_000): Promise<Element> {
      if (!online) throw new IotError("SERVICE_UNREACHABLE", "xmpp is offline");
      return xmpp.iqCaller.request(element, timeoutMs);
    },

    async stop(): Promise<void> {
      if (stopping && !online) return;
      stopping = true;
      clearTimeout(reconnectTimer);
      clearInterval(pingTimer);
      online = false;
      try {
        await Promise.race([entity.stop(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      } catch (error) {
        log.debug({ err: messageOf(error) }, "xmpp stop");
      }
      rawSocket(entity)?.destroy?.();
    },
  };
}

export type Connection = ReturnType<typeof createConnection>;

function rawSocket(entity: any): { setNoDelay?: (v: boolean) => void; destroy?: () => void } | undefined {
  const socket = entity.socket;
  return socket?.socket ?? socket ?? undefined;
}

function classify(error: unknown, service: string): IotError {
  if (error instanceof IotError) return error;
  const message = messageOf(error);
  const condition = (error as { condition?: string }).condition;
  if ((error as { name?: string }).name === "SASLError" || condition === "not-authorized") {
    return new IotError("AUTH_FAILED", `the server refused the login (${condition ?? message}): check xmpp.jid and the password`);
  }
  if (/certificate|self.signed|CERT_|TLS/i.test(message)) {
    return new IotError("SERVICE_UNREACHABLE", `TLS handshake with ${service} failed: ${message} (set xmpp.caFile to trust a private CA)`);
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET/.test(message) || (error as { code?: string }).code) {
    return new IotError("SERVICE_UNREACHABLE", `cannot reach ${service}: ${message}`);
  }
  return new IotError("SERVICE_UNREACHABLE", `cannot connect to ${service}: ${message}`);
}
