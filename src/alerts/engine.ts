import type { Logger } from "pino";
import { formatValue } from "../commands/format.js";
import type { Reading } from "../readings/reading.js";
import type { ReadingSink, SinkStatus } from "../delivery/types.js";
import { formatDuration } from "../status/status.js";
import { createHealthRules, failingRule, staleRule, type HealthSource } from "./health.js";
import { createAlertOutlet, type AlertDelivery } from "./outlet.js";
import { holds, parseDuration, parseRule, type AlertRuleConfig, type Condition } from "./rules.js";

export type { AlertDelivery, AlertEvent } from "./outlet.js";

interface RuleState {
  readonly rule: AlertRuleConfig;
  readonly condition: Condition;
  readonly forMs: number;
  readonly label: string;
  phase: "idle" | "pending" | "firing";
  since: number;
  firedAt: number;
  last?: Reading;
  timer?: NodeJS.Timeout;
}

/**
 * Alert rules as a ReadingSink. A value rule goes pending when its condition holds, fires once it
 * has held for `for` (a timer, so a sensor that reports rarely still fires), and clears with a
 * message once the value is back past the hysteresis band. Health rules (`<device> failing`,
 * `<device>/<channel> stale 10m`) live in health.ts; all share one delivery queue (outlet.ts).
 */
export function createAlertEngine(deps: { rules: readonly AlertRuleConfig[]; delivery: AlertDelivery; log: Logger; now?: () => number; devices?: HealthSource }): ReadingSink & { active(): string[] } {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const outlet = createAlertOutlet({ delivery: deps.delivery, log });
  const states: RuleState[] = [];
  const failing: Array<ReturnType<typeof failingRule>> = [];
  const stale: Array<ReturnType<typeof staleRule>> = [];
  for (const rule of deps.rules) {
    const parsed = parseRule(rule.when);
    if (!parsed.ok) throw new Error(`alerts: ${parsed.reason}`);
    if (parsed.kind === "failing") failing.push(failingRule(rule, parsed.device));
    else if (parsed.kind === "stale") stale.push(staleRule(rule, parsed.device, parsed.channel, parsed.afterMs));
    else states.push({ rule, condition: parsed.condition, forMs: parseDuration(rule.for) ?? 0, label: rule.name ?? rule.when, phase: "idle", since: 0, firedAt: 0 });
  }
  const health = createHealthRules({ failing, stale, outlet, now, ...(deps.devices ? { devices: deps.devices } : {}) });
  let running = false;

  const value = (r: Reading): string => formatValue(r.value, r.unit);
  const announce = (state: RuleState, kind: "alert" | "ok", message: string): void => {
    const c = state.condition;
    outlet.send(state.rule, { rule: state.label, state: kind, kind: "value", device: c.device, channel: c.channel, message, time: now() / 1000 });
  };

  const fire = (state: RuleState): void => {
    if (!running || state.phase !== "pending") return;
    state.phase = "firing";
    state.firedAt = now();
    const held = state.forMs > 0 ? ` for ${formatDuration(Math.round((now() - state.since) / 1000))}` : "";
    announce(state, "alert", `⚠ ALERT ${state.label}: ${state.condition.device}/${state.condition.channel} is ${state.last ? value(state.last) : "?"}${held}`);
  };

  return {
    name: "alerts",
    active: () => [...states.filter((s) => s.phase === "firing").map((s) => s.label), ...health.active()],
    async start() {
      running = true;
      outlet.start();
      health.start();
    },
    async stop() {
      running = false;
      outlet.stop();
      health.stop();
      for (const s of states) clearTimeout(s.timer);
    },
    accept(reading: Reading): void {
      health.accept(reading);
      for (const state of states) {
        const c = state.condition;
        if (reading.device !== c.device || reading.channel !== c.channel) continue;
        state.last = reading;
        const bad = reading.quality?.includes("error") === true;
        if (state.phase === "firing") {
          if (!bad && !holds(c, reading.value, state.rule.hysteresis)) {
            state.phase = "idle";
            announce(state, "ok", `✅ OK ${state.label}: ${c.device}/${c.channel} is back to ${value(reading)} (alert lasted ${formatDuration(Math.round((now() - state.firedAt) / 1000))})`);
          }
          continue;
        }
        const on = !bad && holds(c, reading.value);
        if (!on) {
          clearTimeout(state.timer);
          state.phase = "idle";
          continue;
        }
        if (state.phase === "idle") {
          state.phase = "pending";
          state.since = now();
          if (state.forMs === 0) fire(state);
          else { state.timer = setTimeout(() => fire(state), state.forMs); state.timer.unref(); }
        }
      }
    },
    status(): SinkStatus {
      return outlet.status();
    },
  };
}
