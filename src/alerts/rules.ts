import { z } from "zod";
import type { ReadingValue } from "../readings/reading.js";

export type Operator = ">" | ">=" | "<" | "<=" | "==" | "!=";

export interface Condition {
  readonly device: string;
  readonly channel: string;
  readonly op: Operator;
  readonly threshold: number | boolean | string;
}

export type ParsedCondition = { ok: true; condition: Condition } | { ok: false; reason: string };

const WHEN = /^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\/([A-Za-z0-9][A-Za-z0-9_.-]*)\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$/;

/** `greenhouse/temperature > 35`, `door/open == true`, `meter/state != "ok"`. */
export function parseCondition(text: string): ParsedCondition {
  const m = WHEN.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a condition like "greenhouse/temperature > 35" (<device>/<channel> <op> <value>, op one of > >= < <= == !=)` };
  const [, device, channel, op, raw] = m as unknown as [string, string, string, Operator, string];
  let threshold: number | boolean | string;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) threshold = Number(raw);
  else if (raw === "true" || raw === "on") threshold = true;
  else if (raw === "false" || raw === "off") threshold = false;
  else if (/^".*"$/.test(raw)) threshold = raw.slice(1, -1);
  else return { ok: false, reason: `the value in "${text}" must be a number, true/false, or a "quoted string"` };
  if (typeof threshold !== "number" && op !== "==" && op !== "!=") {
    return { ok: false, reason: `"${op}" needs a number; use == or != for ${JSON.stringify(threshold)}` };
  }
  return { ok: true, condition: { device, channel, op, threshold } };
}

/** What a rule watches: a value, a device's health, or a channel's silence. */
export type ParsedRule =
  | { readonly ok: true; readonly kind: "value"; readonly condition: Condition }
  /** `<device> failing` (`*` for every device): fires while the device is failing, clears when it is ok. */
  | { readonly ok: true; readonly kind: "failing"; readonly device: string }
  /** `<device>/<channel> stale <duration>`: fires when no reading came for that long. */
  | { readonly ok: true; readonly kind: "stale"; readonly device: string; readonly channel: string; readonly afterMs: number }
  | { readonly ok: false; readonly reason: string };

const FAILING = /^\s*(\*|[A-Za-z0-9][A-Za-z0-9_.-]*)\s+failing\s*$/;
const STALE = /^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\/([A-Za-z0-9][A-Za-z0-9_.-]*)\s+stale\s+(\S+)\s*$/;

export function parseRule(text: string): ParsedRule {
  const failing = FAILING.exec(text);
  if (failing?.[1]) return { ok: true, kind: "failing", device: failing[1] };
  const stale = STALE.exec(text);
  if (stale?.[1] && stale[2] && stale[3]) {
    const afterMs = parseDuration(stale[3]);
    if (afterMs === undefined || afterMs < 1000) return { ok: false, reason: `the silence in "${text}" must be a duration of at least 1s like "10m", "90s" or "1h"` };
    return { ok: true, kind: "stale", device: stale[1], channel: stale[2], afterMs };
  }
  const value = parseCondition(text);
  if (!value.ok) {
    return { ok: false, reason: `${value.reason}; or "<device> failing" (device health, * for any device), or "<device>/<channel> stale 10m" (no reading for that long)` };
  }
  return { ok: true, kind: "value", condition: value.condition };
}

/** The device a rule names (`*` for every device). */
export function ruleDevice(rule: Extract<ParsedRule, { ok: true }>): string {
  return rule.kind === "value" ? rule.condition.device : rule.device;
}

/** Whether the condition holds; `margin` > 0 is the hysteresis band an active alert must leave to clear. */
export function holds(condition: Condition, value: ReadingValue, margin = 0): boolean {
  const t = condition.threshold;
  if (typeof t === "number") {
    if (typeof value !== "number") return false;
    switch (condition.op) {
      case ">": return value > t - margin;
      case ">=": return value >= t - margin;
      case "<": return value < t + margin;
      case "<=": return value <= t + margin;
      case "==": return Math.abs(value - t) <= margin;
      case "!=": return Math.abs(value - t) > margin;
    }
  }
  return condition.op === "==" ? value === t : value !== t;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * factor);
}

const bareJid = z.string().regex(/^[^@/\s]+@[^@/\s]+$/, "a bare JID like alice@example.org");

/**
 * One alert rule in config. Checked at config time: a bad `when` or `for` names the field; the
 * device must exist (checked by the config schema, which knows the devices).
 */
export const alertRuleSchema = z
  .strictObject({
    /** Shown in messages; defaults to the condition text. */
    name: z.string().min(1).max(100).optional(),
    when: z.string().min(1),
    /**
     * The condition must hold this long before the alert fires; for `failing` rules the device must
     * also be ok this long before the alert clears (a flapping device gives one alert, not many).
     */
    for: z.string().refine((s) => parseDuration(s) !== undefined, { message: 'a duration like "60s", "5m", "500ms" or "1h"' }).default("0s"),
    /** Hysteresis: an active numeric alert clears only once the value is this far on the other side. */
    hysteresis: z.number().nonnegative().finite().default(0),
    notify: z.array(bareJid).default([]),
    /** A MUC room (XEP-0045) the agent joins and posts to. */
    room: bareJid.optional(),
  })
  .superRefine((rule, ctx) => {
    const parsed = parseRule(rule.when);
    if (!parsed.ok) ctx.addIssue({ code: "custom", path: ["when"], message: parsed.reason });
    if (rule.notify.length === 0 && rule.room === undefined) {
      ctx.addIssue({ code: "custom", path: ["notify"], message: "give at least one JID to notify, or a room" });
    }
  });

export type AlertRuleConfig = z.infer<typeof alertRuleSchema>;
