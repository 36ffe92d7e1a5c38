import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import xml, { type Element } from "@xmpp/xml";
import { createReconnectBackoff } from "../reconnect/backoff.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { closedDuring, describeConnectFailure, type ConnectContext, type ConnectPhase } from "./connect-errors.js";
import { createEntity, type EntityOptions, type XmppEntity } from "./entity.js";
import { createRequestTracker } from "./requests.js";
import { disableAckTimeout, guardOutgoingXml, rawSocket } from "./xmppjs.js";
import { pick, SOCKET_CLOSED, waitForSession, withTimeout } from "./session-wait.js";
import { createLiveness } from "./liveness.js";
import { unacknowledgedBytes } from "./tcp-acks.js";
import { watchSignsOfLife } from "./signs-of-life.js";

export interface ConnectionOptions extends EntityOptions {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Bound of each step of a connect: TCP, the server's stream header, TLS + login + bind. */
  readonly connectTimeoutMs?: number;
}

export interface ConnectionEvents {
  online: [{ resumed: boolean }];
  /** The session's stream ended; `streamError` is the server's stream error condition, if it sent one. */
  offline: [{ streamError?: string }];
  stanza: [Element];
  /** A background connect was refused for good (wrong password): it does not retry. */
  failed: [IotError];
}

export type IqHandler = (stanza: Element, element: Element) => Element | undefined | Promise<Element | undefined>;

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * One XMPP session that stays up: connect (at once with `start`, or in the background with
 * backoff with `startInBackground`), reconnect by the one rule of src/reconnect, notice a half-open link
 * with XEP-0199 pings, and set TCP_NODELAY (xmpp.js leaves Nagle on: 40 ms per round trip on
 * loopback). A failed attempt always says why (connect-errors.ts).
 */
export function createConnection(deps: { readonly log: Logger }, options: ConnectionOptions) {
  const { log } = deps;
  const events = new EventEmitter<ConnectionEvents>();
  const xmpp: XmppEntity = createEntity(options);
  const { entity } = xmpp;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // xmpp.js's own timeout (2 s by default) bounds the wait for the stream header and STARTTLS.
  entity.timeout = connectTimeoutMs;
  const context: ConnectContext = { service: options.service, domain: options.domain, timeoutMs: connectTimeoutMs, caFile: options.ca !== undefined };
  const requests = createRequestTracker(entity, xmpp.iqCaller);
  const bareJid = `${options.username}@${options.domain}`; // once: the pubsub sink reads it per item
  const backoff = createReconnectBackoff(options);
  let stopping = false;
  let online = false;
  let connecting = false;
  let everOnline = false;
  let replacedLogged = false;
  let lastFailure: IotError | undefined;
  let streamError: { condition?: string; text?: string } | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let probing = false;
  let sessions = 0;
  const liveness = createLiveness({ log, unacknowledged: () => unacknowledgedBytes(rawSocket(entity)) }, { timeoutMs: options.pingTimeoutMs, maxWaitMs: Math.max(options.pingIntervalMs, 4 * options.pingTimeoutMs) });
  const life = watchSignsOfLife(entity, liveness, () => rawSocket(entity));
  if (xmpp.streamManagement) disableAckTimeout(xmpp.streamManagement);

  guardOutgoingXml(entity, (char) => {
    if (replacedLogged) return;
    replacedLogged = true;
    log.error({ char }, "a stanza carried a character XML cannot carry; replaced with U+FFFD (logged once)");
  });
  entity.on("connect", () => {
    rawSocket(entity)?.setNoDelay?.(true);
    life.connected();
  });
  entity.on("stanza", (stanza: Element) => events.emit("stanza", stanza));
  entity.on("error", (error: unknown) => {
    if ((error as { name?: string }).name === "StreamError") streamError = { ...pick(error, "condition"), ...pick(error, "text") };
    log.debug({ err: messageOf(error) || (error as { name?: string }).name }, "xmpp error");
  });
  entity.on("online", () => markOnline(false));
  xmpp.streamManagement?.on("resumed", () => markOnline(true));
  entity.on("disconnect", () => {
    const wasOnline = online;
    const ended = streamError;
    streamError = undefined;
    online = false;
    clearInterval(pingTimer);
    if (wasOnline) log.warn({ streamError: ended?.condition, text: ended?.text }, "xmpp connection lost; readings are queued until it is back");
    // Without a resumable session (XEP-0198) no request of this one can be answered any more.
    if (!xmpp.streamManagement?.id) requests.failAll("the XMPP session ended before the answer came");
    if (wasOnline) events.emit("offline", ended?.condition !== undefined ? { streamError: ended.condition } : {});
    if (!stopping && !connecting) scheduleReconnect();
  });

  function markOnline(resumed: boolean): void {
    online = true;
    life.online();
    everOnline = true;
    // A new session: the requests of the old one will never be answered (RFC 6120 section 8.2.3).
    if (!resumed) requests.failAll("the XMPP session ended before the answer came; a new one started");
    // The backoff starts over only if this session lasts: a server that accepts and then closes
    // every stream at once (a poison stanza, an overload) must see the delays grow.
    backoff.up();
    sessions++;
    log.info({ jid: String(entity.jid), resumed }, "xmpp online");
    clearInterval(pingTimer);
    pingTimer = setInterval(() => void keepalive(), options.pingIntervalMs);
    events.emit("online", { resumed });
  }

  function scheduleReconnect(): void {
    clearTimeout(reconnectTimer);
    const delay = backoff.next();
    log.info({ attempt: backoff.attempts, delayMs: delay }, "xmpp reconnect scheduled");
    reconnectTimer = setTimeout(() => void attemptInBackground(), delay);
  }

  /** One connect: TCP, stream header, then TLS, login and bind; each step bounded by connectTimeoutMs. */
  async function attempt(): Promise<void> {
    connecting = true;
    streamError = undefined;
    // xmpp.js's SASL exchange (events/lib/procedure.js) listens for "nonza" until it succeeds or
    // fails, not until its stream dies: a link cut mid-login leaves it listening, and it answers
    // the next stream's SCRAM challenge too (the server then refuses the login: "response doesn't
    // match"). Only SASL listens for nonzas; a new stream starts without them.
    entity.removeAllListeners("nonza");
    let phase: ConnectPhase = "tcp";
    const session = waitForSession(entity, xmpp.streamManagement);
    try {
      await withTimeout(entity.connect(options.service), connectTimeoutMs);
      phase = "stream";
      await Promise.race([entity.open({ domain: options.domain }), session.promise]);
      phase = "login";
      await withTimeout(session.promise, connectTimeoutMs);
    } catch (error) {
      // A stream error explains a close or a timeout that follows it better than they do.
      const recorded = streamError as { condition?: string; text?: string } | undefined; // set by the "error" listener
      const cause = recorded ? Object.assign(new Error(recorded.text ?? ""), { name: "StreamError", ...recorded }) : error;
      const failure = cause === SOCKET_CLOSED ? closedDuring(phase, context) : describeConnectFailure(cause, phase, context);
      await teardown();
      throw failure;
    } finally {
      session.cancel();
      connecting = false;
    }
  }

  async function attemptInBackground(): Promise<void> {
    if (stopping || online || connecting) return;
    try {
      await attempt();
    } catch (error) {
      if (stopping) return;
      const failure = error as IotError;
      lastFailure = failure;
      if (failure.code === "AUTH_FAILED" && !everOnline) {
        // A wrong password does not fix itself: the caller decides (run exits 69).
        stopping = true;
        events.emit("failed", failure);
        return;
      }
      log.warn({ attempt: backoff.attempts + 1, err: failure.message }, "xmpp connect failed");
      scheduleReconnect();
    }
  }

  /** After a failed attempt: the socket is closed and xmpp.js is back at "disconnect" before the next one. */
  async function teardown(): Promise<void> {
    if (!entity.socket) return;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      entity.once("disconnect", () => { clearTimeout(timer); resolve(); });
    });
    rawSocket(entity)?.destroy?.();
    await closed;
    if (entity.socket) entity._detachSocket();
  }

  /** XEP-0199 section 4.2: client-to-server ping; dead only when nothing at all arrives in time (liveness.ts). */
  async function keepalive(): Promise<void> {
    if (!online || probing) return;
    probing = true;
    const session = sessions;
    try {
      const verdict = await liveness.probe((timeoutMs) => requests.request(xml("iq", { type: "get", to: options.domain }, xml("ping", { xmlns: "urn:xmpp:ping" })), timeoutMs));
      if (verdict === "dead" && online && !stopping && session === sessions) {
        log.warn({ timeoutMs: options.pingTimeoutMs, allowedSilenceMs: liveness.allowedSilenceMs }, "no answer to ping and nothing else from the server: the link is half-open; reconnecting");
        rawSocket(entity)?.destroy?.();
      }
    } finally {
      probing = false;
    }
  }

  return {
    events,
    iqCaller: xmpp.iqCaller,
    iqCallee: xmpp.iqCallee as { get(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void; set(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void },
    streamManagement: xmpp.streamManagement,
    get jid(): string {
      return String(entity.jid ?? bareJid);
    },
    get bareJid(): string {
      return bareJid;
    },
    isOnline: () => online,
    /** Requests sent and not yet answered (for tests and status). */
    get pendingRequests(): number {
      return requests.size;
    },

    /** The cause of the last failed connect attempt, if any. */
    get lastFailure(): IotError | undefined {
      return lastFailure;
    },

    /**
     * Resolves once a session is up; rejects at once when the login was refused for good, or
     * after `timeoutMs` with the cause of the last failed attempt.
     */
    waitOnline(timeoutMs: number): Promise<void> {
      if (online) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = (): void => { clearTimeout(timer); events.off("online", onOnline); events.off("failed", onFailed); };
        const onOnline = (): void => { done(); resolve(); };
        const onFailed = (error: IotError): void => { done(); reject(error); };
        const timer = setTimeout(() => {
          done();
          reject(lastFailure ?? new IotError("SERVICE_UNREACHABLE", `not connected to ${options.service} within ${timeoutMs} ms`));
        }, timeoutMs);
        events.on("online", onOnline);
        events.on("failed", onFailed);
      });
    },

    /** Connects now; throws the cause (IotError, exit 69) when that first attempt fails. */
    async start(signal: AbortSignal): Promise<void> {
      signal.addEventListener("abort", () => void this.stop(), { once: true });
      try {
        await attempt();
      } catch (error) {
        stopping = true;
        await entity.stop().catch(() => undefined);
        throw error;
      }
    },

    /**
     * Connects in the background: the first attempt now, then with backoff until it succeeds.
     * Only a refused login before the first session is final (the `failed` event).
     */
    startInBackground(signal: AbortSignal): void {
      signal.addEventListener("abort", () => void this.stop(), { once: true });
      void attemptInBackground();
    },

    /** Sends a stanza; throws when offline, so callers queue instead (DESIGN: never into a closed stream). */
    async send(element: Element): Promise<void> {
      if (!online) throw new IotError("SERVICE_UNREACHABLE", "xmpp is offline");
      await entity.send(element);
    },

    /**
     * How long the server took to answer a request of this session (the pubsub sink reports its
     * publishes): after slow answers a longer silence is not yet a dead link (liveness.ts).
     */
    answeredIn(ms: number): void {
      liveness.observe(ms);
    },

    /** Not async: one promise per publish fewer on the hot path; offline is still a rejection, never a throw. */
    request(element: Element, timeoutMs = 30_000): Promise<Element> {
      if (!online) return Promise.reject(new IotError("SERVICE_UNREACHABLE", "xmpp is offline"));
      return requests.request(element, timeoutMs);
    },

    async stop(): Promise<void> {
      if (stopping && !online && !connecting) { requests.failAll("the agent is stopping"); return; }
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
      requests.failAll("the agent is stopping");
    },
  };
}

export type Connection = ReturnType<typeof createConnection>;
