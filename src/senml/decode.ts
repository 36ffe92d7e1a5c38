import { IotError } from "../errors/catalog.js";
import { QUALITY_FLAGS, type QualityFlag } from "../readings/reading.js";

/*
 * The one SenML XML reader (RFC 8428 section 7) of the repository: watch, the dashboard page, the
 * fault tests and the bench subscriber resolve packs here. It reads any element with `name`,
 * `attrs` and `children` (ltx in node and in the browser bundle) and uses no DOM and no node API.
 */

/** RFC 8428 section 7: the SenML XML namespace. */
export const NS_SENML = "urn:ietf:params:xml:ns:senml";
/** Quality flags (XEP-0323 vocabulary) ride in a namespaced attribute SenML parsers may ignore. */
export const NS_QUALITY = "urn:xmpp-iot:quality:0";
/** RFC 8428 section 4.4: the version this decoder understands (the default when bver is absent). */
export const SENML_VERSION = 10;
/** RFC 8428 section 4.5.3: resolved times below 2**28 are relative to the time of reading the pack. */
const RELATIVE_TIME_LIMIT = 2 ** 28;

export interface SenmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string | undefined>>;
  readonly children: ReadonlyArray<SenmlElement | string>;
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

/** A record as the dashboard shows it: a record without a time was taken "now" (section 4.5.3). */
export interface ResolvedRecord {
  readonly name: string;
  readonly value: number | boolean | string;
  readonly unit?: string;
  /** Absolute epoch seconds. */
  readonly time: number;
  readonly quality: readonly string[];
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
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
  const sum = (number(bt) ?? 0) + (number(t) ?? 0);
  const places = Math.min(6, Math.max(decimals(bt ?? ""), decimals(t ?? "")));
  const scale = 10 ** places;
  const time = bt === undefined || places === 0 ? sum : Math.round(sum * scale) / scale;
  return time < RELATIVE_TIME_LIMIT ? now() / 1000 + time : time;
}

/** The attribute the pack's own prefix for the quality namespace gives (`iot:q` from this agent). */
function qualityAttribute(root: SenmlElement): string {
  for (const [key, value] of Object.entries(root.attrs)) {
    if (value === NS_QUALITY && key.startsWith("xmlns:")) return `${key.slice(6)}:q`;
  }
  return "iot:q";
}

function valueOf(a: Readonly<Record<string, string | undefined>>, bv: number, bs: number): number | boolean | string | undefined {
  const v = number(a["v"]);
  if (v !== undefined) return v + bv;
  if (a["vb"] !== undefined) return a["vb"] === "true";
  if (a["vs"] !== undefined) return a["vs"];
  if (a["vd"] !== undefined) return a["vd"];
  const s = number(a["s"]);
  return s !== undefined ? s + bs : undefined;
}

/**
 * Resolves every record of a `<sensml>` pack (RFC 8428 section 4.6): base fields apply to their
 * record and every later one until the next record that sets the same base field; `bn` is
 * prepended to `n`, `bt` added to `t`, `bu` used when a record has no `u` (an empty `bu` clears
 * it), `bv` added to `v` and `bs` to `s`. Records with no value (v, vb, vs, vd, s) are skipped. A
 * `bver` above the version understood here is refused (section 4.4: such a pack must not be used).
 * `now` (epoch ms) places times below 2**28 (section 4.5.3).
 */
export function decodeSenmlXml(root: SenmlElement, now: () => number = Date.now): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  const qAttr = qualityAttribute(root);
  let bn = "";
  let bt: string | undefined;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  for (const child of root.children) {
    if (typeof child === "string" || child.name !== "senml") continue;
    const a = child.attrs;
    if (a["bver"] !== undefined && !(Number(a["bver"]) <= SENML_VERSION)) {
      throw new IotError("BAD_INPUT", `SenML pack has bver=${a["bver"]}; this reader understands version ${SENML_VERSION} and below`);
    }
    if (a["bn"] !== undefined) bn = a["bn"];
    if (a["bt"] !== undefined) bt = a["bt"];
    if (a["bu"] !== undefined) bu = a["bu"] === "" ? undefined : a["bu"];
    if (a["bv"] !== undefined) bv = number(a["bv"]) ?? 0;
    if (a["bs"] !== undefined) bs = number(a["bs"]) ?? 0;
    const value = valueOf(a, bv, bs);
    if (value === undefined) continue;
    const unit = a["u"] ?? bu;
    const time = addTimes(bt, a["t"], now);
    const flags = (a[qAttr] ?? "").split(" ").filter((f): f is QualityFlag => (QUALITY_FLAGS as readonly string[]).includes(f));
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

/** `decodeSenmlXml` for display: every record gets a time (untimed = `nowSeconds`) and a flag list. */
export function resolveSenml(root: SenmlElement, nowSeconds: number): ResolvedRecord[] {
  return decodeSenmlXml(root, () => nowSeconds * 1000).map((record) => ({ ...record, time: record.time ?? nowSeconds, quality: record.quality ?? [] }));
}
