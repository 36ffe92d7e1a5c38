// The part of @xmpp/client's browser build the page uses (xmpp.js ships no typings).
declare module "@xmpp/client" {
  import type { Element } from "@xmpp/xml";
  export { default as xml } from "@xmpp/xml";
  export interface XmppClient {
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(element: Element): Promise<void>;
    on(event: "stanza", listener: (stanza: Element) => void): void;
    on(event: "online", listener: (address: { toString(): string }) => void): void;
    on(event: "offline" | "disconnect", listener: () => void): void;
    on(event: "error", listener: (error: Error & { condition?: string }) => void): void;
    on(event: "status", listener: (status: string) => void): void;
    iqCaller: { request(element: Element, timeoutMs?: number): Promise<Element> };
    jid?: { toString(): string; bare(): { toString(): string } };
    reconnect: { stop(): void };
  }
  export function client(options: {
    service: string; domain: string; username: string; password: string; resource?: string; userAgent?: Element;
  }): XmppClient;
}
