import type { DeviceInfo, DeviceManager } from "../device-manager/device-manager.js";
import { IotError } from "../errors/catalog.js";
import type { ReadingValue } from "../readings/reading.js";

/**
 * Forgiving names and values for every front end (chat, ad-hoc, MQTT): names match without regard
 * to case, an unknown name is answered with the nearest known ones, a channel name alone is enough
 * when only one device has it, and a value may carry the unit the agent itself prints.
 */

/** Edit distance (Levenshtein), bounded inputs only: names are short. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Up to three known names close to `input` (typo, missing letter, prefix), nearest first. */
export function nearest(input: string, known: readonly string[]): string[] {
  const word = input.toLowerCase().slice(0, 64);
  const limit = word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return known
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = lower.startsWith(word) || word.startsWith(lower) ? Math.min(1, editDistance(word, lower)) : editDistance(word, lower);
      return { name, distance };
    })
    .filter((c) => c.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((c) => c.name);
}

/** ` did you mean a or b?` (leading space), or "" when nothing is close. */
export function didYouMean(input: string, known: readonly string[]): string {
  const close = nearest(input, known);
  if (close.length === 0) return "";
  return ` did you mean ${close.length === 1 ? close[0] : `${close.slice(0, -1).join(", ")} or ${close.at(-1)}`}?`;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function findDevice(devices: DeviceManager, name: string): DeviceInfo | undefined {
  return devices.get(name) ?? devices.list().find((d) => same(d.id, name));
}

export function resolveDevice(devices: DeviceManager, name: string): DeviceInfo {
  const found = findDevice(devices, name);
  if (found) return found;
  const ids = devices.list().map((d) => d.id);
  throw new IotError("UNKNOWN_DEVICE", `no device "${name.slice(0, 64)}";${didYouMean(name, ids) || ` devices: ${ids.join(", ") || "none"}`}`);
}

export function resolveChannel(info: DeviceInfo, name: string): string {
  const found = info.channels.find((c) => c === name) ?? info.channels.find((c) => same(c, name));
  if (found) return found;
  throw new IotError("UNKNOWN_CHANNEL", `${info.id} has no channel "${name.slice(0, 64)}";${didYouMean(name, info.channels) || ` it has: ${info.channels.join(", ") || "none yet"}`}`);
}

export interface Target {
  readonly device: DeviceInfo;
  readonly channel: string;
  /** How the device was found when only a channel was named ("lamp is on greenhouse"). */
  readonly chosen?: string;
}

/**
 * `device` + `channel`, or a channel alone when exactly one device has it (`writable`: only
 * devices where it is writable count, for `set`).
 */
export function resolveTarget(devices: DeviceManager, device: string | undefined, channel: string, writable = false): Target {
  if (device !== undefined) {
    const info = resolveDevice(devices, device);
    return { device: info, channel: resolveChannel(info, channel) };
  }
  const all = devices.list();
  const having = all.filter((d) => d.channels.some((c) => same(c, channel)));
  const usable = writable ? having.filter((d) => d.writable.some((c) => same(c, channel))) : having;
  const pick = usable.length === 1 ? usable[0] : usable.length === 0 && having.length === 1 ? having[0] : undefined;
  if (pick) return { device: pick, channel: resolveChannel(pick, channel), chosen: pick.id };
  if (having.length > 1) {
    throw new IotError("BAD_INPUT", `"${channel.slice(0, 64)}" is on ${having.map((d) => d.id).join(" and ")}; say which, e.g. ${having[0]!.id}/${having[0]!.channels.find((c) => same(c, channel))}`);
  }
  if (findDevice(devices, channel)) throw new IotError("BAD_INPUT", `name a channel too, e.g. ${findDevice(devices, channel)!.id}/<channel>; try: list`);
  const names = [...new Set([...all.map((d) => d.id), ...all.flatMap((d) => d.channels)])];
  throw new IotError("UNKNOWN_CHANNEL", `no device or channel "${channel.slice(0, 64)}";${didYouMean(channel, names) || " try: list"}`);
}

/** SenML unit (RFC 8428 section 12.1) → what a person may type after the number. */
const UNIT_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  Cel: ["°C", "°c", "C", "c", "Cel", "cel", "℃"], "%RH": ["%RH", "%rh", "%"], "%": ["%"], lx: ["lx", "lux"],
  Pa: ["Pa", "pa"], hPa: ["hPa", "hpa"], K: ["K"], V: ["V", "v"], A: ["A"], W: ["W", "w"],
};

/**
 * A value as typed: `21.5°C`, `21.5 Cel`, `22,5` (decimal comma) become 21.5 / 22.5 when the unit
 * is the channel's own; any other unit is refused with what the channel measures in.
 */
export function normalizeInputValue(value: ReadingValue, unit: string | undefined, where: string): ReadingValue {
  if (typeof value !== "string") return value;
  const match = /^\s*([-+]?\d+(?:[.,]\d+)?)\s*([^\d\s].*?)?\s*$/u.exec(value);
  if (!match) return value;
  const number = match[1]!.replace(",", ".");
  const typedUnit = match[2];
  if (typedUnit === undefined) return number;
  const accepted = unit !== undefined ? UNIT_SPELLINGS[unit] ?? [unit] : [];
  if (accepted.includes(typedUnit) || (unit !== undefined && same(typedUnit, unit))) return number;
  throw new IotError("BAD_INPUT", `${where}: "${typedUnit.slice(0, 16)}" is not its unit; it takes ${unit !== undefined ? `a number in ${accepted[0] ?? unit}` : "a plain number"}`);
}
