import type { z } from "zod";
import { didYouMean } from "./suggest.js";

/**
 * zod's issues in a user's words: the field path, what is wrong, and what to write instead.
 * zod's own wording ("Invalid input: expected object, received undefined") is for programmers.
 */

/** `devices[0].channels.temperature.unit` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** What to add when a required section or key is missing, by path (indices as "*"). */
const MISSING_HINTS: Readonly<Record<string, string>> = {
  xmpp: "add an xmpp section with jid and password (or passwordFile)",
  "xmpp.jid": "the agent's own account, like agent@example.org",
  "devices.*.id": "a short name for the device, like \"greenhouse\"",
  "devices.*.driver": "which driver reads it: simulated, serial, nmea, ds18b20, gpio or mqtt",
  "devices.*.path": "the serial port, like /dev/ttyUSB0 or /dev/serial/by-id/...",
  "devices.*.format": "how lines look: json, kv, csv, regex, sds011 or frame",
  "devices.*.channels": "the device's channels, like { \"temperature\": { \"unit\": \"Cel\" } }",
  "mqtt.url": "the broker, like mqtt://127.0.0.1:1883",
  "outbox.path": "a directory for queued readings, like /var/lib/xmpp-iot/outbox",
};

const NOUNS: Readonly<Record<string, string>> = {
  object: "a section { ... }", array: "a list [ ... ]", string: "text in quotes", number: "a number",
  boolean: "true or false", int: "a whole number",
};

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a section";
  if (typeof value === "string") return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value === "number" ? "the number" : ""} ${String(value)}`.trim();
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let at = raw;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[key as string];
  }
  return at;
}

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** One line per problem: the field path and what to do. `raw` is the parsed JSON (for values). */
export function formatIssues(issues: readonly Issue[], raw: unknown, root?: Schema, drivers: readonly string[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const given = valueAt(raw, issue.path);
    if (issue.code === "unrecognized_keys") {
      const allowed = root ? keysAt(root, issue.path, raw) : [];
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key${didYouMean(key, allowed)}`);
    } else if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
      const at = issue.path[issue.path.length - 1] === "driver" ? issue.path : [...issue.path, "driver"];
      const driver = valueAt(raw, at);
      if (driver === undefined) lines.push(`${formatPath(at)}: missing; ${MISSING_HINTS["devices.*.driver"]}`);
      else lines.push(`${formatPath(at)}: unknown driver ${JSON.stringify(driver)}${didYouMean(String(driver), drivers) || `; expected one of ${drivers.join(", ")}`}`);
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const literals = issue.errors.every((branch) => branch.length === 1 && branch[0]!.code === "invalid_value" && branch[0]!.path.length === 0);
      if (literals) {
        const values = issue.errors.flatMap((branch) => (branch[0] as z.core.$ZodIssueInvalidValue).values);
        lines.push(`${path}: ${given === undefined ? "missing" : `${describeValue(given)} is not allowed`}; expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}`);
        continue;
      }
      // Report the branch that got furthest rather than zod's generic "Invalid input".
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      lines.push(...formatIssues(best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })), raw, root, drivers));
    } else if (issue.code === "invalid_type") {
      if (given === undefined) {
        const hint = MISSING_HINTS[issue.path.map((p) => (typeof p === "number" ? "*" : String(p))).join(".")];
        lines.push(`${path}: missing${hint ? `; ${hint}` : ""}`);
      } else {
        lines.push(`${path}: expected ${NOUNS[issue.expected] ?? issue.expected}, not ${describeValue(given)}`);
      }
    } else if (issue.code === "invalid_value") {
      lines.push(`${path}: ${describeValue(given)} is not allowed; expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`}${typeof given === "string" ? didYouMean(given, issue.values.map(String)) : ""}`);
    } else if (issue.code === "too_small" || issue.code === "too_big") {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const word = issue.code === "too_small" ? (issue.inclusive ? "at least" : "more than") : (issue.inclusive ? "at most" : "less than");
      if (issue.origin === "string") lines.push(`${path}: ${bound === 1 && issue.code === "too_small" ? "must not be empty" : `must be ${word} ${bound} characters`}`);
      else if (issue.origin === "array") lines.push(`${path}: needs ${word} ${bound} entr${bound === 1 ? "y" : "ies"}`);
      else lines.push(`${path}: ${describeValue(given)} is too ${issue.code === "too_small" ? "small" : "big"}; must be ${word} ${bound}`);
    } else if (issue.code === "not_multiple_of" || (issue.code === "invalid_format" && issue.message.startsWith("Invalid"))) {
      lines.push(`${path}: ${describeValue(given)} is not valid here (${issue.message.replace(/^Invalid [a-z]+: ?/, "")})`);
    } else {
      lines.push(`${path}: ${issue.message}`);
    }
  }
  return lines;
}

/** The keys an object at `path` accepts, walking the schema with the raw value (picks union branches by `driver`). */
export function keysAt(schema: Schema, path: readonly PropertyKey[], raw: unknown): string[] {
  let nodes: Schema[] = [schema];
  let value = raw;
  for (const key of [...path, undefined]) {
    nodes = nodes.flatMap((n) => unwrap(n, value));
    if (key === undefined) break;
    value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
    nodes = nodes.flatMap((node) => {
      const def = node._zod.def as unknown as { type: string; shape?: Record<string, Schema>; element?: Schema; valueType?: Schema };
      if (def.type === "object" && typeof key === "string") return def.shape?.[key] ? [def.shape[key]] : [];
      if (def.type === "array" && def.element) return [def.element];
      if (def.type === "record" && def.valueType) return [def.valueType];
      return [];
    });
  }
  return [...new Set(nodes.flatMap((n) => {
    const def = n._zod.def as unknown as { type: string; shape?: Record<string, Schema> };
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
  }))];
}

/** Through optional/default/pipe wrappers; a union becomes the branch whose literal `driver` matches. */
function unwrap(node: Schema, value: unknown): Schema[] {
  const def = node._zod.def as unknown as { type: string; innerType?: Schema; in?: Schema; options?: Schema[]; shape?: Record<string, Schema> };
  if (def.innerType) return unwrap(def.innerType, value);
  if (def.type === "pipe" && def.in) return unwrap(def.in, value);
  if (def.type === "union" && def.options) {
    const driver = value !== null && typeof value === "object" ? (value as Record<string, unknown>)["driver"] : undefined;
    const all = def.options.flatMap((o) => unwrap(o, value));
    const matching = all.filter((o) => {
      const literal = (o._zod.def as unknown as { shape?: Record<string, Schema> }).shape?.["driver"]?._zod.def as unknown as { values?: unknown[] } | undefined;
      return literal?.values?.includes(driver);
    });
    return matching.length > 0 ? matching : all;
  }
  return [node];
}

/** A JSON syntax error as a user can act on it: file:line:column, the line, a caret, a hint. */
export function jsonErrorLines(file: string, text: string, error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  let offset = position ? Number(position[1]) : lineCol ? undefined : text.length;
  let line: number;
  let column: number;
  if (offset === undefined) {
    line = Number(lineCol![1]);
    column = Number(lineCol![2]);
    offset = text.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  } else {
    const before = text.slice(0, offset).split("\n");
    line = before.length;
    column = before[before.length - 1]!.length + 1;
  }
  const what = message.replace(/\s*(in JSON )?at position \d+.*$/, "").replace(/\s*\(line \d+ column \d+\)$/, "").replace(/^Unexpected token '(.)', .*$/, "unexpected '$1'");
  const previous = text.slice(0, offset).trimEnd();
  const hint = previous.endsWith(",") && /^\s*[}\]]/.test(text.slice(offset))
    ? "; a comma before } or ] is not allowed in JSON: remove it"
    : /^\s*$/.test(text.slice(offset)) ? "; the file ends early: a } or ] is missing" : "";
  const source = text.split("\n")[line - 1] ?? "";
  const gutter = String(line).length;
  return [
    `${file}:${line}:${column}: not valid JSON: ${what.charAt(0).toLowerCase()}${what.slice(1)}${hint}`,
    `  ${line} | ${source}`,
    `  ${" ".repeat(gutter)} | ${" ".repeat(Math.max(0, column - 1))}^`,
  ];
}
