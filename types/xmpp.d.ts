// Narrow typings for the parts of xmpp.js (untyped JS) that src/xmpp uses.
declare module "@xmpp/xml" {
  import type LtxElement from "ltx/lib/Element.js";
  /** @xmpp/xml re-exports ltx's Element (types/ltx.d.ts). */
  export type Element = LtxElement;
  type Child = Element | string | undefined | null | false | Array<Element | string | undefined | null | false>;
  interface XmlFactory {
    (name: string, attrs?: Record<string, string | number | undefined> | null, ...children: Child[]): Element;
    Element: new (name: string, attrs?: Record<string, string>) => Element;
  }
  const xml: XmlFactory;
  export default xml;
  export function parse(text: string): Element;
}
declare module "@xmpp/xml/lib/parse.js" {
  import type { Element } from "@xmpp/xml";
  export default function parse(text: string): Element;
}
declare module "@xmpp/client-core" {
  export const Client: any;
  export function jid(local: string, domain?: string, resource?: string): any;
}
declare module "@xmpp/tcp" { const setup: (deps: { entity: any }) => void; export default setup; }
declare module "@xmpp/tls" { const setup: (deps: { entity: any }) => void; export default setup; }
declare module "@xmpp/middleware" { const setup: (deps: { entity: any }) => any; export default setup; }
declare module "@xmpp/stream-features" { const setup: (deps: { middleware: any }) => any; export default setup; }
declare module "@xmpp/iq/caller.js" { const setup: (deps: { middleware: any; entity: any }) => any; export default setup; }
declare module "@xmpp/iq/callee.js" { const setup: (deps: { middleware: any; entity: any }) => any; export default setup; }
declare module "@xmpp/sasl" { const setup: (deps: any, onAuthenticate: any) => any; export default setup; }
declare module "@xmpp/sasl2" { const setup: (deps: any, onAuthenticate: any) => any; export default setup; }
declare module "@xmpp/resource-binding" { const setup: (deps: any, resource?: string) => any; export default setup; }
declare module "@xmpp/stream-management" { const setup: (deps: any) => any; export default setup; }
declare module "@xmpp/client-core/src/bind2/bind2.js" { const setup: (deps: any, resource?: string) => any; export default setup; }
declare module "@xmpp/client-core/src/fast/fast.js" { const setup: (deps: any) => any; export default setup; }
declare module "@xmpp/sasl-scram-sha-1" { const setup: (factory: any) => any; export default setup; }
declare module "@xmpp/sasl-plain" { const setup: (factory: any) => any; export default setup; }
declare module "@xmpp/client/lib/createOnAuthenticate.js" { export default function create(credentials: any, userAgent: any): any; }
declare module "@xmpp/starttls/starttls.js" {
  export function canUpgrade(socket: unknown): boolean;
  export function upgrade(socket: unknown, options: Record<string, unknown>): Promise<unknown>;
}
declare module "saslmechanisms" { const Factory: new () => any; export default Factory; }
declare module "@xmpp/middleware/lib/StanzaError.js" { export default class StanzaError extends Error { constructor(condition: string, text?: string); condition: string; text: string; } }
