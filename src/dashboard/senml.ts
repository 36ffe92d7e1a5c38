/**
 * SenML XML (RFC 8428 section 7) as the dashboard reads it, on any element with `name`, `attrs`
 * and `children` (ltx in the browser bundle, the same in node tests). No DOM, no node APIs.
 */

export const NS_SENML = "urn:ietf:params:xml:ns:senml";
/** Quality flags ride in a namespaced attribute (the agent's `iot:q`), XEP-0323 vocabulary. */
export const NS_QUALITY = "urn:xmpp-iot:quality:0";

export interface SenmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string | undefined>>;
  readonly children: ReadonlyArray<SenmlElement | string>;
}

export interface ResolvedRecord {
  /** bn + n (RFC 8428 section 4.5.1). */
  readonly name: string;
  readonly value: number | boolean | string;
  readonly unit?: string;
  /** Absolute epoch seconds (section 4.5.3: values below 2**28 are relative to now). */
  readonly time: number;
  readonly quality: readonly string[];
}

const RELATIVE_LIMIT = 2 ** 28;

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The prefix the pack declares for the quality namespace (`xmlns:iot="urn:xmpp-iot:quality:0"`). */
function qualityAttribute(root: SenmlElement): string {
  for (const [key, value] of Object.entries(root.attrs)) {
    if (value === NS_QUALITY && key.startsWith("xmlns:")) return `${key.slice(6)}:q`;
  }
  return "iot:q";
}

/**
 * Resolves a `<sensml>` pack per RFC 8428 section 4.6: base name, base time, base unit, base value
 * and base sum carry forward from the record that set them to every later record; a record's own
 * `u` wins over `bu`; `t` is added to `bt`; a resolved time below 2**28 is relative to `nowSeconds`.
 * Records without a value (v, vb, vs, vd, s) are skipped.
 */
export function resolveSenml(root: SenmlElement, nowSeconds: number): ResolvedRecord[] {
  const out: ResolvedRecord[] = [];
  const qAttr = qualityAttribute(root);
  let bn = "";
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  for (const child of root.children) {
    if (typeof child === "string" || child.name !== "senml") continue;
    const a = child.attrs;
    if (a["bn"] !== undefined) bn = a["bn"];
    if (a["bt"] !== undefined) bt = number(a["bt"]) ?? 0;
    if (a["bu"] !== undefined) bu = a["bu"] === "" ? undefined : a["bu"];
    if (a["bv"] !== undefined) bv = number(a["bv"]) ?? 0;
    if (a["bs"] !== undefined) bs = number(a["bs"]) ?? 0;
    let value: number | boolean | string | undefined;
    const v = number(a["v"]);
    if (v !== undefined) value = v + bv;
    else if (a["vb"] !== undefined) value = a["vb"] === "true";
    else if (a["vs"] !== undefined) value = a["vs"];
    else if (a["vd"] !== undefined) value = a["vd"];
    else if (number(a["s"]) !== undefined) value = number(a["s"])! + bs;
    if (value === undefined) continue;
    let time = bt + (number(a["t"]) ?? 0);
    if (time < RELATIVE_LIMIT) time += nowSeconds;
    const unit = a["u"] ?? bu;
    out.push({
      name: bn + (a["n"] ?? ""),
      value,
      ...(unit !== undefined ? { unit } : {}),
      time,
      quality: (a[qAttr] ?? "").split(" ").filter((f) => f !== ""),
    });
  }
  return out;
}

export interface ChannelAddress {
  readonly agent: string;
  readonly device: string;
  readonly channel: string;
}

/**
 * `<agent-bare-jid>/<device>/<channel>`: a bare JID has no `/`, and neither have device ids, so the
 * first segment is the agent and the last the channel. When the resolved name has no channel (a
 * record whose `n` was empty), the node name `<prefix><device>/<channel>` supplies it.
 */
export function addressOf(resolvedName: string, node?: string): ChannelAddress | undefined {
  const parts = resolvedName.split("/");
  const fromNode = node?.split("/") ?? [];
  if (parts.length >= 3 && parts[parts.length - 1] !== "") {
    return { agent: parts[0]!, device: parts.slice(1, -1).join("/"), channel: parts[parts.length - 1]! };
  }
  if (parts.length >= 2 && fromNode.length >= 2) {
    return { agent: parts[0]!, device: parts[1] || fromNode[fromNode.length - 2]!, channel: fromNode[fromNode.length - 1]! };
  }
  return undefined;
}
