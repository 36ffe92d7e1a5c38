import Element from "ltx/lib/Element.js";

/** The one import of ltx's internal path: every other module takes the class from here. */
export { Element };

/*
 * ltx's Element is the class xmpp.js builds and parses every stanza with (@xmpp/xml re-exports
 * this very module), so an element made here goes into a stanza as is, without a conversion, and
 * modules that must not load xmpp.js (src/senml, the MQTT path) can still build one.
 */

/**
 * `xml()` for the publish hot path. ltx's createElement walks its attributes with Object.entries
 * and its children with for-of; without the optimizing compiler (the systemd unit runs node with
 * --no-opt) every step of those allocates, and that was ~15 % of what a published reading
 * allocated (npm run bench, allocation profile). Attribute values must already be strings.
 */
export function element(name: string, attrs: Readonly<Record<string, string>>, ...children: ReadonlyArray<Element | undefined>): Element {
  const el = new Element(name, attrs);
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (child !== undefined) appendChild(el, child);
  }
  return el;
}

/** `parent.append(child)` without the rest-parameter loop. */
export function appendChild(parent: Element, child: Element): void {
  parent.children.push(child);
  child.parent = parent;
}
