// Narrow typings for the parts of xmpp.js (untyped JS) the agent uses. Only src/xmpp/xmppjs.ts
// imports anything but @xmpp/xml (web/ uses the browser build: web/xmpp-client.d.ts).
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
}
declare module "@xmpp/client-core" {
  import type { EventEmitter } from "node:events";
  import type { Element } from "@xmpp/xml";
  /** @xmpp/connection's Connection as the agent uses it (the underscored members are internal). */
  export interface XmppJsEntity extends EventEmitter {
    jid: { toString(): string } | null;
    /** Bound of xmpp.js's own waits (stream header, STARTTLS), ms. */
    timeout: number;
    socket: (EventEmitter & { socket?: { setNoDelay?: (on: boolean) => void; destroy?: () => void }; setNoDelay?: (on: boolean) => void; destroy?: () => void }) | null;
    parser: { write(text: string): void } | null;
    connect(service: string): Promise<unknown>;
    open(options: { domain: string }): Promise<Element>;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    restart(): Promise<unknown>;
    send(element: Element): Promise<void>;
    sendReceive(element: Element, timeoutMs?: number): Promise<Element>;
    write(text: string): Promise<void>;
    isSecure(): boolean;
    _onData(data: Buffer): void;
    _attachSocket(socket: unknown): void;
    _detachSocket(): void;
  }
  export interface IncomingContext { stanza: Element; entity: XmppJsEntity; from: unknown; id: string }
  export interface Middleware {
    use(fn: (ctx: IncomingContext, next: () => unknown) => unknown): void;
    filter(fn: (ctx: { stanza: Element }, next: () => unknown) => unknown): void;
  }
  export interface StreamFeatures {
    use(name: string, ns: string, fn: (ctx: { entity: XmppJsEntity }, next: () => Promise<void>) => unknown): void;
  }
  export interface IqCaller {
    request(element: Element, timeoutMs?: number): Promise<Element>;
    /**
     * Pending requests: IQ id -> what its reply settles (iq/caller.js `_route` calls `resolve` or
     * `reject`): xmpp.js's own Deferred (with `promise`) or the agent's (src/xmpp/requests.ts).
     */
    handlers: Map<string, { resolve(stanza: Element): void; reject(error: unknown): void; promise?: Promise<unknown> }>;
  }
  type IqHandler = (ctx: { stanza: Element; element: Element }) => unknown;
  export interface IqCallee {
    get(ns: string, name: string, handler: IqHandler): void;
    set(ns: string, name: string, handler: IqHandler): void;
  }
  /** XEP-0198 state of @xmpp/stream-management. */
  export interface StreamManagement extends EventEmitter {
    enabled: boolean;
    id: string;
    inbound: number;
    outbound: number;
    outbound_q: unknown[];
    /** ms after an unanswered `<r/>` before xmpp.js closes the stream; 0 = never. */
    timeout: number;
  }
  export const Client: new (options: { service: string; domain: string }) => XmppJsEntity;
  export function jid(local: string, domain?: string, resource?: string): { toString(): string };
}
declare module "@xmpp/tcp" { import type { XmppJsEntity } from "@xmpp/client-core"; const setup: (deps: { entity: XmppJsEntity }) => void; export default setup; }
declare module "@xmpp/tls" { import type { XmppJsEntity } from "@xmpp/client-core"; const setup: (deps: { entity: XmppJsEntity }) => void; export default setup; }
declare module "@xmpp/middleware" { import type { Middleware, XmppJsEntity } from "@xmpp/client-core"; const setup: (deps: { entity: XmppJsEntity }) => Middleware; export default setup; }
declare module "@xmpp/stream-features" { import type { Middleware, StreamFeatures } from "@xmpp/client-core"; const setup: (deps: { middleware: Middleware }) => StreamFeatures; export default setup; }
declare module "@xmpp/iq/caller.js" { import type { IqCaller, Middleware, XmppJsEntity } from "@xmpp/client-core"; const setup: (deps: { middleware: Middleware; entity: XmppJsEntity }) => IqCaller; export default setup; }
declare module "@xmpp/iq/callee.js" { import type { IqCallee, Middleware, XmppJsEntity } from "@xmpp/client-core"; const setup: (deps: { middleware: Middleware; entity: XmppJsEntity }) => IqCallee; export default setup; }
declare module "@xmpp/sasl" {
  import type { StreamFeatures } from "@xmpp/client-core";
  type Authenticate = (credentials: { username: string; password: string }, mechanism: string) => Promise<void>;
  const setup: (deps: { streamFeatures: StreamFeatures; saslFactory: unknown }, onAuthenticate: (authenticate: Authenticate, mechanisms: string[]) => Promise<void>) => unknown;
  export default setup;
}
declare module "@xmpp/resource-binding" { import type { IqCaller, StreamFeatures } from "@xmpp/client-core"; const setup: (deps: { iqCaller: IqCaller; streamFeatures: StreamFeatures }, resource?: string) => unknown; export default setup; }
declare module "@xmpp/stream-management" {
  import type { Middleware, StreamFeatures, StreamManagement, XmppJsEntity } from "@xmpp/client-core";
  const setup: (deps: { streamFeatures: StreamFeatures; entity: XmppJsEntity; middleware: Middleware }) => StreamManagement;
  export default setup;
}
declare module "@xmpp/sasl-scram-sha-1" { const setup: (factory: unknown) => void; export default setup; }
declare module "@xmpp/sasl-plain" { const setup: (factory: unknown) => void; export default setup; }
declare module "@xmpp/starttls/starttls.js" {
  export function canUpgrade(socket: unknown): boolean;
  export function upgrade(socket: unknown, options: Record<string, unknown>): Promise<unknown>;
}
declare module "saslmechanisms" { const Factory: new () => unknown; export default Factory; }
declare module "@xmpp/middleware/lib/StanzaError.js" { export default class StanzaError extends Error { constructor(condition: string, text?: string); condition: string; text: string; } }
