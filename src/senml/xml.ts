import xml, { type Element } from "@xmpp/xml";
import { IotError } from "../errors.js";
import { QUALITY_FLAGS, type QualityFlag, type Reading } from "../reading.js";
import { appendChild } from "../xmpp/element.js";
import { replaceForbiddenXmlChars } from "../xml-chars.js";

/** RFC 8428 section 7: the SenML XML namespace. */
export const NS_SENML = "urn:ietf:params:xml:ns:senml";
/** Quality flags (XEP-0323 vocabulary) ride in a namespaced attribute SenML parsers may ignore. */
export const NS_QUALITY = "urn:xmpp-iot:quality:0";
/** RFC 8428 section 4.4: the version this decoder understands (the default when bver is absent). */
export const SENML_VERSION = 10;
/** RFC 8428 section 4.5.3: resolved times below 2**28 are relative to the time of reading the pack. */
const RELATIVE_TIME_LIMIT = 2 ** 28;

/**
 * How a pack of one channel is written: "base" with base fields (see `pack`), "records" with one
 * full record per reading as before base fields were allowed. The agent always uses "base";
 * `npm run bench` switches its agent worker to "records" to measure both shapes in one run.
 */
export type PackForm = "base" | "records";
let packForm: PackForm = "base";
export function setPackForm(form: PackForm): void {
  packForm = form;
}

let lastBase = { jid: "", device: "", name: "" };

/** `<agent-bare-jid>/<device>/`: the SenML base name of a device's records. */
export function baseName(agentBareJid: string, device: string): string {
  // Consecutive readings are nearly always of the same device: one string per device change, not per record.
  if (agentBareJid !== lastBase.jid || device !== lastBase.device) lastBase = { jid: agentBareJid, device, name: `${agentBareJid}/${device}/` };
  return lastBase.name;
}

/** Epoch seconds as integer milliseconds, rounded exactly as `toFixed(3)` prints them. */
function millis(time: number): number {
  return Number(time.toFixed(3).replace(".", ""));
}

/** Integer milliseconds as seconds with at most 3 decimals and no trailing zeros: 500 -> "0.5". */
function seconds(ms: number): string {
  if (ms % 1000 === 0) return String(ms / 1000);
  const abs = Math.abs(ms);
  const frac = String(abs % 1000).padStart(3, "0").replace(/0+$/, "");
  return `${ms < 0 ? "-" : ""}${Math.floor(abs / 1000)}.${frac}`;
}

function setValue(attrs: Record<string, string>, value: Reading["value"]): void {
  if (typeof value === "number") attrs["v"] = String(value);
  else if (typeof value === "boolean") attrs["vb"] = String(value);
  else attrs["vs"] = replaceForbiddenXmlChars(value);
}

function setQuality(attrs: Record<string, string>, reading: Reading): void {
  if (reading.quality && reading.quality.length > 0) attrs["iot:q"] = reading.quality.join(" ");
}

function record(reading: Reading, bn: string | undefined): Element {
  // Attributes set on the element itself: ltx copies a given attrs object into a new one.
  const el = new xml.Element("senml");
  const attrs = el.attrs as Record<string, string>;
  if (bn !== undefined) attrs["bn"] = bn;
  // The pipeline refuses such characters; a reading stored by an older version in a durable
  // outbox may still carry them, and one would close the stream on every attempt to send it.
  attrs["n"] = replaceForbiddenXmlChars(reading.channel);
  if (reading.unit !== undefined) attrs["u"] = reading.unit;
  setValue(attrs, reading.value);
  attrs["t"] = reading.time.toFixed(3);
  setQuality(attrs, reading);
  return el;
}

const ROOT_ATTRS: Readonly<Record<string, string>> = Object.freeze({ xmlns: NS_SENML });
const ROOT_ATTRS_QUALITY: Readonly<Record<string, string>> = Object.freeze({ xmlns: NS_SENML, "xmlns:iot": NS_QUALITY });

function root(readings: readonly Reading[]): Element {
  let quality = false;
  for (let i = 0; i < readings.length && !quality; i++) { const q = readings[i]!.quality; quality = q !== undefined && q.length > 0; }
  return new xml.Element("sensml", quality ? ROOT_ATTRS_QUALITY : ROOT_ATTRS);
}

function oneChannel(readings: readonly Reading[]): boolean {
  const { device, channel } = readings[0]!;
  for (let i = 1; i < readings.length; i++) if (readings[i]!.device !== device || readings[i]!.channel !== channel) return false;
  return true;
}

/**
 * A pack of one channel with base fields (RFC 8428 sections 4.1 and 4.5): the first record carries
 * the full name as `bn`, the first reading's time as `bt` and, when every reading has the same
 * unit, `bu`; each record then holds only its value and its time relative to `bt` (absent = 0).
 * Relative times are computed in integer milliseconds so `bt + t` resolves to the time a
 * single-record item would print. A pack mixing units (or with and without one) sets `u` per
 * record instead, since a record cannot clear a base unit.
 */
function pack(agentBareJid: string, readings: readonly Reading[]): Element {
  const first = readings[0]!;
  const unit = first.unit;
  let sameUnit = true;
  for (let i = 1; i < readings.length; i++) if (readings[i]!.unit !== unit) { sameUnit = false; break; }
  const bt = millis(first.time);
  const out = root(readings);
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i]!;
    const el = new xml.Element("senml");
    const attrs = el.attrs as Record<string, string>;
    if (i === 0) {
      attrs["bn"] = `${baseName(agentBareJid, reading.device)}${replaceForbiddenXmlChars(reading.channel)}`;
      attrs["bt"] = first.time.toFixed(3);
      if (sameUnit && unit !== undefined) attrs["bu"] = unit;
    }
    if (!sameUnit && reading.unit !== undefined) attrs["u"] = reading.unit;
    setValue(attrs, reading.value);
    if (i > 0) {
      const dt = millis(reading.time) - bt;
      if (dt !== 0) attrs["t"] = seconds(dt);
    }
    setQuality(attrs, reading);
    appendChild(out, el);
  }
  return out;
}

/**
 * One `<sensml>` item payload. A single reading, or readings of several channels, use one full
 * record each with the base name on the first record of each device (RFC 8428 section 4.5.1);
 * several readings of one channel (a batch of one pubsub node) use base fields, see `pack`.
 */
export function encodeSenmlXml(agentBareJid: string, readings: readonly Reading[]): Element {
  if (packForm === "base" && readings.length > 1 && oneChannel(readings)) return pack(agentBareJid, readings);
  const out = root(readings);
  let lastBase: string | undefined;
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i]!;
    const bn = baseName(agentBareJid, reading.device);
    appendChild(out, record(reading, bn === lastBase ? undefined : bn));
    lastBase = bn;
  }
  return out;
}

/** A resolved record (RFC 8428 section 4.6): no base fields, absolute time. */
export interface DecodedRecord {
  /** Base name and name concatenated: `<agent-bare-jid>/<device>/<channel>` for this agent's items. */
  readonly name: string;
  readonly unit?: string;
  readonly value: number | boolean | string;
  /** Epoch seconds; absent when the record and its base carry no time. */
  readonly time?: number;
  readonly quality?: QualityFlag[];
}

/** Device and channel of a resolved name `<agent-bare-jid>/<device>/<channel>` (identifiers hold no '/'). */
export function splitName(name: string): { device: string; channel: string } {
  const parts = name.split("/");
  return { device: parts.length >= 3 ? parts[parts.length - 2]! : "", channel: parts[parts.length - 1] ?? "" };
}

function decimals(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 || /e/i.test(text) ? 0 : text.length - dot - 1;
}

/**
 * `bt + t` in floating point gives 1764000000.123 + 0.5 = 1764000000.6229999; rounded to the
 * decimals the two attributes were written with (at most 6), it is the number a single record
 * with the absolute time would have parsed to.
 */
function addTimes(bt: string | undefined, t: string | undefined, now: () => number): number | undefined {
  if (bt === undefined && t === undefined) return undefined;
  const sum = Number(bt ?? 0) + Number(t ?? 0);
  const places = Math.min(6, Math.max(decimals(bt ?? ""), decimals(t ?? "")));
  const scale = 10 ** places;
  const time = bt === undefined || places === 0 ? sum : Math.round(sum * scale) / scale;
  return time < RELATIVE_TIME_LIMIT ? now() / 1000 + time : time;
}

/**
 * Resolves every record of a pack (RFC 8428 section 4.6): base fields apply to their record and
 * every later one until the next record that sets the same base field; `bn` is prepended to `n`,
 * `bt` added to `t`, `bu` used when a record has no `u`, `bv` added to `v`. Records with no value
 * are skipped. A `bver` above the version understood here is refused (section 4.4: such a pack
 * must not be used).
 */
export function decodeSenmlXml(element: Element, now: () => number = Date.now): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let bn = "";
  let bt: string | undefined;
  let bu: string | undefined;
  let bv = 0;
  for (const child of element.getChildren("senml")) {
    const a = child.attrs as Record<string, string | undefined>;
    if (a["bver"] !== undefined && !(Number(a["bver"]) <= SENML_VERSION)) {
      throw new IotError("BAD_INPUT", `SenML pack has bver=${a["bver"]}; this reader understands version ${SENML_VERSION} and below`);
    }
    if (a["bn"] !== undefined) bn = a["bn"];
    if (a["bt"] !== undefined) bt = a["bt"];
    if (a["bu"] !== undefined) bu = a["bu"];
    if (a["bv"] !== undefined) bv = Number(a["bv"]);
    let value: number | boolean | string | undefined;
    if (a["v"] !== undefined) value = Number(a["v"]) + bv;
    else if (a["vb"] !== undefined) value = a["vb"] === "true";
    else if (a["vs"] !== undefined) value = a["vs"];
    if (value === undefined) continue;
    const unit = a["u"] ?? bu;
    const time = addTimes(bt, a["t"], now);
    const flags = (a["iot:q"] ?? "").split(" ").filter((f): f is QualityFlag => (QUALITY_FLAGS as readonly string[]).includes(f));
    out.push({
      name: bn + (a["n"] ?? ""),
      value,
      ...(unit !== undefined ? { unit } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(flags.length > 0 ? { quality: flags } : {}),
    });
  }
  return out;
}
