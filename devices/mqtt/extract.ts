import type { ReadingValue } from "../../src/readings/reading.js";
import type { MqttSubscriptionConfig } from "./schema.js";

export interface ExtractedValue {
  readonly channel: string;
  readonly value: ReadingValue;
}

export type Extracted =
  | { readonly ok: true; readonly values: ExtractedValue[]; readonly missing: string[] }
  | { readonly ok: false; readonly reason: string };

/** Bounds on what one message may produce: a hostile or broken publisher cannot grow memory. */
export const MAX_DEPTH = 8;
export const MAX_LEAVES = 256;

/** Tasmota keys that are metadata, not measurements. */
const TASMOTA_SKIP = /^(Time|Uptime|UptimeSec|Heap|SleepMode|Sleep|LoadAvg|MqttCount|Berry|.*Unit)$/;

/** `ENERGY.Power`, `a.0.b` or `a[0].b`. */
export function splitPath(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p !== "");
}

export function getPath(root: unknown, path: string): unknown {
  let node = root;
  for (const key of splitPath(path)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isLeafValue(value: unknown): value is ReadingValue {
  return (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" || typeof value === "string";
}

/** Leaves of a JSON document as `a.b.0` paths, depth-first, at most MAX_LEAVES of them. */
export function flatten(root: unknown, keep: (path: string, key: string, value: unknown) => boolean): ExtractedValue[] {
  const out: ExtractedValue[] = [];
  const walk = (node: unknown, path: string, key: string, depth: number): void => {
    if (out.length >= MAX_LEAVES || depth > MAX_DEPTH) return;
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, path === "" ? k : `${path}.${k}`, k, depth + 1);
      return;
    }
    if (path !== "" && isLeafValue(node) && keep(path, key, node)) out.push({ channel: path, value: node });
  };
  walk(root, "", "", 0);
  return out;
}

function tasmotaKeep(path: string, key: string, value: unknown): boolean {
  if (path.split(".").some((p) => TASMOTA_SKIP.test(p))) return false;
  if (typeof value === "number") return true;
  // POWER, POWER1..8 report relay state as ON/OFF; other strings (SSId, Time) are not readings.
  return /^POWER\d*$/.test(key) && (value === "ON" || value === "OFF");
}

/** Channel names must be identifiers (src/device-contract/channel.ts): other characters become '_'. */
export function channelName(path: string): string {
  const cleaned = path.replace(/[^A-Za-z0-9_.-]/g, "_");
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `x${cleaned}`;
}

/** Turns one message into channel values; `missing` lists configured paths absent from it. */
export function extract(subscription: MqttSubscriptionConfig, payload: string): Extracted {
  if (subscription.format === "value") {
    const text = payload.trim();
    if (text === "") return { ok: false, reason: "empty payload" };
    // The pipeline coerces to the channel's type (number, boolean words, string).
    return { ok: true, values: [{ channel: subscription.channel!, value: text }], missing: [] };
  }
  let document: unknown;
  try {
    document = JSON.parse(payload);
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (subscription.paths) {
    const values: ExtractedValue[] = [];
    const missing: string[] = [];
    for (const [channel, path] of Object.entries(subscription.paths)) {
      const value = getPath(document, path);
      if (isLeafValue(value)) values.push({ channel, value });
      else missing.push(path);
    }
    return { ok: true, values, missing };
  }
  if (document === null || typeof document !== "object") {
    return isLeafValue(document) ? { ok: false, reason: "a bare JSON value needs format \"value\" or paths" } : { ok: false, reason: "empty JSON value" };
  }
  const keep = subscription.format === "tasmota" ? tasmotaKeep : (_p: string, _k: string, v: unknown) => typeof v !== "string";
  const values = flatten(document, keep).map((v) => ({
    channel: channelName(v.channel),
    // Tasmota relay state is a boolean even without a typed channel entry.
    value: subscription.format === "tasmota" && typeof v.value === "string" ? v.value === "ON" : v.value,
  }));
  return { ok: true, values, missing: [] };
}
