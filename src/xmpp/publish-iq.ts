import type { Reading } from "../readings/reading.js";
import { encodeSenmlXml } from "../senml/xml.js";
import { appendChild, Element } from "../xml/element.js";
import { QuickElement } from "../xml/serialize.js";
import { NS_PUBSUB } from "./pubsub-nodes.js";

/** `new Element(name)` with one attribute: set on its own attrs object, which ltx's constructor would fill from a given one with Object.assign. */
function withAttr(name: string, attr: string, value: string, child: Element): Element {
  const el = new Element(name);
  el.attrs[attr] = value;
  appendChild(el, child);
  return el;
}

/**
 * `<iq type="set" to><pubsub><publish node><item id><sensml/></item></publish>[<publish-options/>]</pubsub></iq>`
 * (XEP-0060 section 7.1.1), built once per published reading, hence by hand: no attribute object
 * per element, and the IQ is written by `serialize` (src/xml/serialize.ts). The item id is the
 * first reading's stable id, so a resend replaces (section 7.1.2).
 */
export function publishIq(service: string | undefined, agentBareJid: string, node: string, readings: readonly Reading[], publishOptions: Element | undefined): Element {
  const item = withAttr("item", "id", readings[0]!.id, encodeSenmlXml(agentBareJid, readings));
  const pubsub = withAttr("pubsub", "xmlns", NS_PUBSUB, withAttr("publish", "node", node, item));
  if (publishOptions) appendChild(pubsub, publishOptions);
  const iq = new QuickElement("iq");
  iq.attrs["type"] = "set";
  if (service !== undefined) iq.attrs["to"] = service;
  appendChild(iq, pubsub);
  return iq;
}
