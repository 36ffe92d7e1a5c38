import { IDENTIFIER } from "../../src/device-contract/index.js";
import type { ReadingValue } from "../../src/readings/reading.js";

/** One line decoded: the channel values, plus how many fields were unusable (wrong type, bad key). */
export type LineResult =
  | { readonly ok: true; readonly values: ReadonlyArray<readonly [string, ReadingValue]>; readonly badFields: number }
  | { readonly ok: false; readonly reason: string };

export type LineParser = (line: string) => LineResult;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Text from kv/csv/regex: numbers become numbers, true/false booleans, the rest stays a string. */
export function parseScalar(text: string): ReadingValue {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  return trimmed;
}

/** `{"temperature": 21.5, "humidity": 40}`: each key of a JSON object line is a channel. */
export function parseJsonLine(line: string): LineResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: "invalid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not a JSON object" };
  const values: Array<[string, ReadingValue]> = [];
  let badFields = 0;
  for (const [key, value] of Object.entries(parsed)) {
    const scalar = typeof value === "number" ? Number.isFinite(value) : typeof value === "boolean" || typeof value === "string";
    if (!IDENTIFIER.test(key) || !scalar) badFields++;
    else values.push([key, value as ReadingValue]);
  }
  if (values.length === 0) return { ok: false, reason: "no usable field" };
  return { ok: true, values, badFields };
}

/** `t=21.5 h=40` (also `t:21.5`, and `,` or `;` between pairs). */
export function parseKvLine(line: string): LineResult {
  const values: Array<[string, ReadingValue]> = [];
  let badFields = 0;
  for (const token of line.split(/[\s,;]+/)) {
    if (token === "") continue;
    const match = /^([^=:]+)[=:](.*)$/.exec(token);
    const key = match?.[1];
    const raw = match?.[2];
    if (key === undefined || raw === undefined || raw === "" || !IDENTIFIER.test(key)) badFields++;
    else values.push([key, parseScalar(raw)]);
  }
  if (values.length === 0) return { ok: false, reason: "no key=value pair" };
  return { ok: true, values, badFields };
}

/** Columns named in config; a column named "-" is ignored, an empty cell is skipped. */
export function createCsvParser(columns: readonly string[], delimiter: string): LineParser {
  return (line) => {
    const cells = line.split(delimiter);
    if (cells.length !== columns.length) return { ok: false, reason: `expected ${columns.length} columns, got ${cells.length}` };
    const values: Array<[string, ReadingValue]> = [];
    cells.forEach((cell, index) => {
      const column = columns[index];
      if (column === undefined || column === "-" || cell.trim() === "") return;
      values.push([column, parseScalar(cell)]);
    });
    if (values.length === 0) return { ok: false, reason: "no value" };
    return { ok: true, values, badFields: 0 };
  };
}

/** Named groups are channels: `T:(?<temperature>[-\d.]+)C`. */
export function createRegexParser(pattern: string): LineParser {
  const regex = new RegExp(pattern);
  return (line) => {
    const groups = regex.exec(line)?.groups;
    if (!groups) return { ok: false, reason: "no match" };
    const values: Array<[string, ReadingValue]> = [];
    for (const [name, text] of Object.entries(groups)) if (text !== undefined && text !== "") values.push([name, parseScalar(text)]);
    if (values.length === 0) return { ok: false, reason: "no group matched" };
    return { ok: true, values, badFields: 0 };
  };
}

/** Names of the named groups, to validate a configured pattern. */
export function namedGroups(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] ?? "");
}

/** `SET {channel} {value}\n`: {device}, {channel} and {value} are replaced; booleans write 1/0 via {int}. */
export function renderTemplate(template: string, fields: { device: string; channel: string; value: ReadingValue }): string {
  return template.replace(/\{(device|channel|value|int)\}/g, (_, name: string) => {
    if (name === "device") return fields.device;
    if (name === "channel") return fields.channel;
    if (name === "int") return typeof fields.value === "boolean" ? (fields.value ? "1" : "0") : String(fields.value);
    return String(fields.value);
  });
}
