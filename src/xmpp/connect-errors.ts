import { IotError, messageOf } from "../errors/catalog.js";
import { tlsFailureMessage } from "./tls-hint.js";

/** Where a connection attempt was when it failed: each has its own likely cause. */
export type ConnectPhase = "tcp" | "stream" | "login";

export interface ConnectContext {
  readonly service: string;
  readonly domain: string;
  readonly timeoutMs: number;
  readonly caFile: boolean;
}

/** `host:port` of an `xmpp://` or `xmpps://` service URL. */
export function hostPort(service: string): string {
  const match = /^xmpps?:\/\/([^/]+)$/.exec(service);
  if (!match) return service;
  return /:\d+$/.test(match[1]!) ? match[1]! : `${match[1]}:${service.startsWith("xmpps:") ? 5223 : 5222}`;
}

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused; is the server running and listening on that port?",
  ENOTFOUND: "the host name does not resolve (DNS); is the network up and the name right?",
  EAI_AGAIN: "the host name could not be resolved yet (DNS not reachable); is the network up?",
  EHOSTUNREACH: "no route to the host; is the network up?",
  ENETUNREACH: "the network is unreachable; is the network up?",
  ECONNRESET: "the connection was reset by the other side",
  ETIMEDOUT: "the TCP connection timed out",
  EPIPE: "the other side closed the connection",
};

/**
 * SASL failures (RFC 6120 section 6.5) that say nothing about the credentials: the exchange itself
 * went wrong. Seen: an attempt that timed out while xmpp.js was still computing its SCRAM proof
 * (seconds on an emulated or slow CPU) sends that `<response/>` once it is done, on the next
 * attempt's stream, and the server answers that attempt with malformed-request. The next attempt
 * succeeds, so these are not the final "wrong password" (AUTH_FAILED, exit 69).
 */
const SASL_RETRY = new Set(["aborted", "incorrect-encoding", "malformed-request", "temporary-auth-failure"]);

/**
 * Turns whatever xmpp.js, Node's net/tls or the server reported into one IotError that always
 * names the cause and, where there is a likely mistake, what to do. Never an empty message:
 * xmpp.js's TimeoutError has none.
 */
export function describeConnectFailure(error: unknown, phase: ConnectPhase, context: ConnectContext): IotError {
  if (error instanceof IotError) return error;
  const { service } = context;
  const where = hostPort(service);
  const seconds = Math.round(context.timeoutMs / 100) / 10;
  const name = (error as { name?: string }).name ?? "";
  const condition = (error as { condition?: string }).condition;
  const code = (error as { code?: string }).code;
  const message = messageOf(error);

  if (name === "SASLError" && condition !== undefined && SASL_RETRY.has(condition)) {
    return new IotError("SERVICE_UNREACHABLE", `${where} broke off the login (${condition}); trying again (the server's log says why if it repeats)`);
  }
  if (name === "SASLError" || condition === "not-authorized") {
    return new IotError("AUTH_FAILED", `the server refused the login (${condition ?? message}): check xmpp.jid and the password`);
  }
  if (name === "TimeoutError") {
    if (phase === "tcp") return new IotError("SERVICE_UNREACHABLE", `no TCP connection to ${where} within ${seconds} s; is the host up and the network reachable?`);
    if (phase === "stream") return new IotError("SERVICE_UNREACHABLE", `no XMPP stream from ${where} within ${seconds} s; is this the server's client port (5222)? (xmpp.connectTimeoutMs for a slow server)`);
    return new IotError("SERVICE_UNREACHABLE", `${where} did not complete TLS, login and resource binding within ${seconds} s (xmpp.connectTimeoutMs for a slow server)`);
  }
  if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i.test(`${message} ${code ?? ""}`) && service.startsWith("xmpps:")) {
    return new IotError("SERVICE_UNREACHABLE", `${where} does not start with TLS, so it is not a direct-TLS port (xmpps://, XEP-0368); for a STARTTLS client port (usually 5222) use xmpp://${where} instead (TLS is still required, negotiated with STARTTLS)`);
  }
  if (/certificate|self.signed|CERT_|unable to verify|Hostname\/IP does not match/i.test(`${message} ${code ?? ""}`)) {
    // The hint depends on what failed: trust (xmpp.caFile helps) or the name (it cannot).
    return new IotError("SERVICE_UNREACHABLE", tlsFailureMessage(error, service, context.domain, context.caFile));
  }
  if (name === "StreamError") {
    const text = (error as { text?: string }).text;
    const hint = condition === "host-unknown" ? `; ${where} does not serve ${context.domain} (the JID's domain)` : "";
    return new IotError("SERVICE_UNREACHABLE", `${where} closed the stream: ${condition ?? "stream error"}${text ? ` (${text})` : ""}${hint}`);
  }
  if (code !== undefined && SOCKET_CODES[code] !== undefined) {
    return new IotError("SERVICE_UNREACHABLE", `cannot reach ${service}: ${SOCKET_CODES[code]} (${code})`);
  }
  const cause = message || condition || code || name || "unknown error";
  return new IotError("SERVICE_UNREACHABLE", `cannot connect to ${service}: ${cause}`);
}

/** The server closed the TCP connection while the agent was still negotiating. */
export function closedDuring(phase: ConnectPhase, context: ConnectContext): IotError {
  const where = hostPort(context.service);
  if (phase === "stream") return new IotError("SERVICE_UNREACHABLE", `${where} closed the connection without an XMPP stream; is this the server's client port (5222)?`);
  return new IotError("SERVICE_UNREACHABLE", `${where} closed the connection during ${phase === "tcp" ? "the TCP connect" : "TLS, login or resource binding"}`);
}
