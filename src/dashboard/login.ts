/** Login helpers shared by the page and its tests: no DOM, no node APIs. */

export interface ParsedJid {
  readonly local: string;
  readonly domain: string;
  readonly resource?: string;
}

/** `local@domain[/resource]`; undefined when either part is missing (RFC 7622 section 3). */
export function parseJid(text: string): ParsedJid | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const bareText = slash >= 0 ? trimmed.slice(0, slash) : trimmed;
  const at = bareText.indexOf("@");
  if (at <= 0 || at === bareText.length - 1) return undefined;
  const local = bareText.slice(0, at);
  const domain = bareText.slice(at + 1).toLowerCase();
  if (/[\s@]/.test(local) || /[\s@/]/.test(domain)) return undefined;
  return slash >= 0 ? { local, domain, resource: trimmed.slice(slash + 1) } : { local, domain };
}

/**
 * The usual place of the RFC 7395 endpoint: Prosody's mod_websocket serves `/xmpp-websocket`
 * (ejabberd's default is `/ws`; the field can be edited). The remembered URL for the domain wins.
 */
export function guessWebSocketUrl(jid: string, remembered?: Readonly<Record<string, string>>): string {
  const parsed = parseJid(jid);
  if (!parsed) return "";
  return remembered?.[parsed.domain] ?? `wss://${parsed.domain}/xmpp-websocket`;
}

/** A ws:// or wss:// URL, or a message saying what is wrong with it. */
export function checkWebSocketUrl(text: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, message: "WebSocket URL is not a URL (example: wss://example.org/xmpp-websocket)" };
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return { ok: false, message: `WebSocket URL must start with wss:// (or ws:// on loopback), not ${url.protocol}//` };
  return { ok: true, url: url.toString() };
}
