import type { Reading } from "../readings/reading.js";
import { appendChild, Element } from "../xml/element.js";
import { replaceForbiddenXmlChars } from "../xml/chars.js";
import { NS_QUALITY, NS_SENML } from "./decode.js";
import { baseName } from "./name.js";

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
  const el = new Element("senml");
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

function root(readings: readonly Reading[]): Element {
  let quality = false;
  for (let i = 0; i < readings.length && !quality; i++) { const q = readings[i]!.quality; quality = q !== undefined && q.length > 0; }
  // Set on the element's own attrs, as in `record`: a given object would be copied with Object.assign.
  const el = new Element("sensml");
  el.attrs["xmlns"] = NS_SENML;
  if (quality) el.attrs["xmlns:iot"] = NS_QUALITY;
  return el;
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
    const el = new Element("senml");
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
