import xml, { type Element } from "@xmpp/xml";
import { QUALITY_FLAGS, type QualityFlag, type Reading } from "../reading.js";
import { appendChild, element } from "../xmpp/element.js";
import { replaceForbiddenXmlChars } from "../xml-chars.js";

/** RFC 8428 section 7: the SenML XML namespace. */
export const NS_SENML = "urn:ietf:params:xml:ns:senml";
/** Quality flags (XEP-0323 vocabulary) ride in a namespaced attribute SenML parsers may ignore. */
export const NS_QUALITY = "urn:xmpp-iot:quality:0";

/** `<agent-bare-jid>/<device>/`: the SenML base name of a device's records. */
export function baseName(agentBareJid: string, device: string): string {
  return `${agentBareJid}/${device}/`;
}

function record(reading: Reading, bn: string | undefined): Element {
  const attrs: Record<string, string> = {};
  if (bn !== undefined) attrs["bn"] = bn;
  // The pipeline refuses such characters; a reading stored by an older version in a durable
  // outbox may still carry them, and one would close the stream on every attempt to send it.
  attrs["n"] = replaceForbiddenXmlChars(reading.channel);
  if (reading.unit !== undefined) attrs["u"] = reading.unit;
  if (typeof reading.value === "number") attrs["v"] = String(reading.value);
  else if (typeof reading.value === "boolean") attrs["vb"] = String(reading.value);
  else attrs["vs"] = replaceForbiddenXmlChars(reading.value);
  attrs["t"] = reading.time.toFixed(3);
  if (reading.quality && reading.quality.length > 0) attrs["iot:q"] = reading.quality.join(" ");
  return element("senml", attrs);
}

/** One `<sensml>` pack; the base name is set on the first record (RFC 8428 section 4.5.1). */
export function encodeSenmlXml(agentBareJid: string, readings: readonly Reading[]): Element {
  const quality = readings.some((r) => r.quality && r.quality.length > 0);
  const root = element("sensml", quality ? { xmlns: NS_SENML, "xmlns:iot": NS_QUALITY } : { xmlns: NS_SENML });
  let lastBase: string | undefined;
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i]!;
    const bn = baseName(agentBareJid, reading.device);
    appendChild(root, record(reading, bn === lastBase ? undefined : bn));
    lastBase = bn;
  }
  return root;
}

export interface DecodedRecord {
  readonly baseName: string;
  readonly name: string;
  readonly unit?: string;
  readonly value: number | boolean | string;
  readonly time?: number;
  readonly quality?: QualityFlag[];
}

/** Resolves base names; records with no value are skipped. */
export function decodeSenmlXml(element: Element): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let bn = "";
  for (const child of element.getChildren("senml")) {
    const a = child.attrs;
    if (a["bn"] !== undefined) bn = a["bn"];
    let value: number | boolean | string | undefined;
    if (a["v"] !== undefined) value = Number(a["v"]);
    else if (a["vb"] !== undefined) value = a["vb"] === "true";
    else if (a["vs"] !== undefined) value = a["vs"];
    if (value === undefined) continue;
    const flags = (a["iot:q"] ?? "").split(" ").filter((f): f is QualityFlag => (QUALITY_FLAGS as readonly string[]).includes(f));
    out.push({
      baseName: bn,
      name: a["n"] ?? "",
      value,
      ...(a["u"] !== undefined ? { unit: a["u"] } : {}),
      ...(a["t"] !== undefined ? { time: Number(a["t"]) } : {}),
      ...(flags.length > 0 ? { quality: flags } : {}),
    });
  }
  return out;
}
