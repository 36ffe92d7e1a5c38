// Narrow typings for ltx (untyped JS): the element class xmpp.js builds and parses stanzas with.
declare module "ltx/lib/Element.js" {
  export default class Element {
    constructor(name: string, attrs?: Readonly<Record<string, string | undefined>>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: Array<Element | string>;
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    text(): string;
    append(...children: Array<Element | string>): Element;
    c(name: string, attrs?: Record<string, string | undefined>): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    toString(): string;
    write(writer: (piece: string) => void): void;
    clone(): Element;
  }
}
declare module "ltx/lib/escape.js" {
  export function escapeXML(value: string): string;
  export function escapeXMLText(text: string): string;
}
declare module "ltx/lib/parse.js" {
  import type Element from "ltx/lib/Element.js";
  export default function parse(text: string): Element;
}
declare module "ltx/lib/createElement.js" {
  import type Element from "ltx/lib/Element.js";
  type Child = Element | string | undefined | null | false | Array<Element | string | undefined | null | false>;
  export default function createElement(name: string, attrs?: Record<string, string | number | undefined> | null, ...children: Child[]): Element;
}
