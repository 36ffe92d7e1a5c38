import { client, xml, type XmppClient } from "@xmpp/client";
import type { Element } from "@xmpp/xml";

export type { Element };
export { xml };

export interface Session {
  readonly jid: string;
  readonly bare: string;
  readonly domain: string;
  request(element: Element, timeoutMs?: number): Promise<Element>;
  send(element: Element): void;
  onStanza(listener: (stanza: Element) => void): void;
  onOnline(listener: () => void): void;
  onStatus(listener: (text: string) => void): void;
  stop(): Promise<void>;
}

/** The stanza error condition of a failed request (`forbidden`, `item-not-found`, ...). */
export function conditionOf(error: unknown): string {
  const e = error as { condition?: string; message?: string; name?: string };
  return e.condition || e.message || e.name || String(error);
}

/** Stanza error text if the server or agent sent one (RFC 6120 section 8.3.2). */
export function errorText(error: unknown): string | undefined {
  const stanza = (error as { element?: Element }).element;
  return stanza?.getChild("error")?.getChild("text")?.text() ?? undefined;
}

/**
 * One XMPP session over WebSocket (RFC 7395) with xmpp.js's browser build. The password lives in
 * this closure only; nothing is written to storage. xmpp.js reconnects on its own; `online` fires
 * again after each reconnect so the caller can subscribe again.
 */
export async function openSession(options: { url: string; local: string; domain: string; password: string }): Promise<Session> {
  const resource = `dashboard-${Math.random().toString(36).slice(2, 8)}`;
  // A user-agent id of our own: xmpp.js's default calls crypto.randomUUID, which browsers offer
  // only to secure contexts (a page served over plain http from a LAN address is not one).
  const userAgent = xml("user-agent", { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}` }, xml("software", {}, "xmpp-iot dashboard"));
  const xmpp: XmppClient = client({ service: options.url, domain: options.domain, username: options.local, password: options.password, resource, userAgent });
  const stanzaListeners: Array<(stanza: Element) => void> = [];
  const onlineListeners: Array<() => void> = [];
  const statusListeners: Array<(text: string) => void> = [];
  xmpp.on("stanza", (stanza) => { for (const l of stanzaListeners) l(stanza); });
  xmpp.on("online", () => { void xmpp.send(xml("presence")).catch(() => undefined); for (const l of onlineListeners) l(); });
  xmpp.on("status", (status) => { for (const l of statusListeners) l(status); });
  xmpp.on("error", (error) => { for (const l of statusListeners) l(`error: ${conditionOf(error)}`); });
  try {
    await xmpp.start();
  } catch (error) {
    // A refused login must not be retried by xmpp.js's reconnect with the same password.
    xmpp.reconnect.stop();
    await xmpp.stop().catch(() => undefined);
    console.warn("xmpp-iot dashboard: login failed", error);
    throw error;
  }
  const jid = xmpp.jid?.toString() ?? `${options.local}@${options.domain}/${resource}`;
  return {
    jid,
    bare: jid.split("/")[0]!,
    domain: options.domain,
    request: (element, timeoutMs = 15_000) => xmpp.iqCaller.request(element, timeoutMs),
    send: (element) => { void xmpp.send(element).catch(() => undefined); },
    onStanza: (listener) => stanzaListeners.push(listener),
    onOnline: (listener) => onlineListeners.push(listener),
    onStatus: (listener) => statusListeners.push(listener),
    async stop() {
      xmpp.reconnect.stop();
      await xmpp.stop().catch(() => undefined);
    },
  };
}
