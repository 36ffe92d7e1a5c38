import type { DeviceHealth } from "../device-contract/index.js";
import { formatValue } from "../commands/format.js";
import type { Reading } from "../readings/reading.js";
import { formatDuration } from "../status/status.js";
import type { AlertOutlet } from "./outlet.js";
import { parseDuration, type AlertRuleConfig } from "./rules.js";

/** What the health rules need of the device manager. */
export interface HealthSource {
  list(): ReadonlyArray<{ readonly id: string; readonly health: DeviceHealth }>;
  onHealthChange(listener: () => void): void;
}

type FailingRule = { readonly rule: AlertRuleConfig; readonly label: string; readonly device: string; readonly forMs: number };
type StaleRule = { readonly rule: AlertRuleConfig; readonly label: string; readonly device: string; readonly channel: string; readonly afterMs: number };

interface FailingState {
  readonly rule: FailingRule;
  readonly device: string;
  /** pending: failing, waiting `for`; clearing: ok again, waiting `for` before the all-clear. */
  phase: "idle" | "pending" | "firing" | "clearing";
  /** When this failing episode began, and when the device last turned ok: the all-clear says how long it failed. */
  failingSince: number;
  okSince: number;
  timer?: NodeJS.Timeout;
}

const seconds = (ms: number): string => formatDuration(Math.round(ms / 1000));

/**
 * Alerts on health: a device that goes failing (and its recovery), and a channel that stops
 * reporting. The same one-alert-one-all-clear behaviour as value rules: `for` debounces both ways
 * for `failing` (a device that flaps within `for` gives no new alert), a stale channel clears with
 * its next reading.
 */
export function createHealthRules(deps: { failing: readonly FailingRule[]; stale: readonly StaleRule[]; outlet: AlertOutlet; devices?: HealthSource; now: () => number }) {
  const { outlet, now } = deps;
  const failingStates = new Map<string, FailingState>();
  const staleStates = deps.stale.map((s) => ({ ...s, lastAt: 0, last: undefined as Reading | undefined, firing: false, timer: undefined as NodeJS.Timeout | undefined }));
  let running = false;

  const send = (rule: FailingRule | StaleRule, state: "alert" | "ok", device: string, message: string, channel?: string): void => {
    outlet.send(rule.rule, { rule: rule.label, state, kind: "channel" in rule ? "stale" : "failing", device, ...(channel !== undefined ? { channel } : {}), message, time: now() / 1000 });
  };

  const healthOf = (device: string): DeviceHealth | undefined => deps.devices?.list().find((d) => d.id === device)?.health;

  const evaluate = (): void => {
    if (!running || !deps.devices) return;
    for (const rule of deps.failing) {
      for (const { id, health } of deps.devices.list()) {
        if (rule.device !== "*" && rule.device !== id) continue;
        const key = `${rule.label}\u0000${id}`;
        let state = failingStates.get(key);
        if (!state) failingStates.set(key, (state = { rule, device: id, phase: "idle", failingSince: 0, okSince: 0 }));
        step(rule, id, state, health);
      }
    }
  };

  const fire = (rule: FailingRule, id: string, state: FailingState): void => {
    const health = healthOf(id);
    if (!running || health?.state !== "failing") { state.phase = "idle"; return; }
    state.phase = "firing";
    const held = rule.forMs > 0 ? ` for ${seconds(rule.forMs)}` : "";
    send(rule, "alert", id, `⚠ ALERT ${rule.label}: ${id} is failing${held}${health.reason ? `: ${health.reason}` : ""}`);
  };
  const clear = (rule: FailingRule, id: string, state: FailingState): void => {
    if (!running || healthOf(id)?.state !== "ok") { state.phase = "firing"; return; }
    state.phase = "idle";
    send(rule, "ok", id, `✅ OK ${rule.label}: ${id} is ok again (failing lasted ${seconds(state.okSince - state.failingSince)})`);
  };

  /** Hysteresis: a change of state counts once it has held for the rule's `for` time. */
  function afterHold(rule: FailingRule, state: FailingState, action: () => void): void {
    if (rule.forMs === 0) return action();
    state.timer = setTimeout(action, rule.forMs);
    state.timer.unref();
  }

  function step(rule: FailingRule, id: string, state: FailingState, health: DeviceHealth): void {
    const failing = health.state === "failing";
    // A device that is stopping or restarting is neither an alert nor a recovery.
    const ok = health.state === "ok";
    switch (state.phase) {
      case "idle":
      case "firing": {
        // A hold starts: failing while idle (towards an alert), ok while firing (towards its clearing).
        const alerting = state.phase === "idle";
        if (alerting ? !failing : !ok) return;
        state.phase = alerting ? "pending" : "clearing";
        if (alerting) state.failingSince = now();
        else state.okSince = now();
        afterHold(rule, state, () => (alerting ? fire : clear)(rule, id, state));
        return;
      }
      case "pending":
      case "clearing": {
        // The hold broke before its time: back to where it started.
        const pending = state.phase === "pending";
        if (pending ? failing : !failing) return;
        clearTimeout(state.timer);
        state.phase = pending ? "idle" : "firing";
        return;
      }
    }
  }

  const checkStale = (s: (typeof staleStates)[number]): void => {
    if (!running || s.firing || now() - s.lastAt < s.afterMs) return;
    s.firing = true;
    const last = s.last ? ` (last ${formatValue(s.last.value, s.last.unit)} ${seconds(now() - s.last.time * 1000)} ago)` : " since the agent started";
    send(s, "alert", s.device, `⚠ ALERT ${s.label}: no reading from ${s.device}/${s.channel} for ${seconds(now() - s.lastAt)}${last}`, s.channel);
  };

  deps.devices?.onHealthChange(evaluate);

  return {
    start(): void {
      running = true;
      for (const s of staleStates) {
        s.lastAt = now();
        // Checked ten times per silence period: an alert comes at most 10 % late.
        const period = Math.min(30_000, Math.max(100, Math.floor(s.afterMs / 10)));
        s.timer = setInterval(() => checkStale(s), period);
        s.timer.unref();
      }
      evaluate();
    },
    stop(): void {
      running = false;
      for (const s of staleStates) clearInterval(s.timer);
      for (const state of failingStates.values()) clearTimeout(state.timer);
    },
    accept(reading: Reading): void {
      for (const s of staleStates) {
        if (reading.device !== s.device || reading.channel !== s.channel) continue;
        const silentMs = now() - s.lastAt;
        s.lastAt = now();
        s.last = reading;
        if (s.firing) {
          s.firing = false;
          send(s, "ok", s.device, `✅ OK ${s.label}: ${s.device}/${s.channel} reports again: ${formatValue(reading.value, reading.unit)} (silent for ${seconds(silentMs)})`, s.channel);
        }
      }
    },
    active(): string[] {
      const failing = [...failingStates.values()].filter((s) => s.phase === "firing" || s.phase === "clearing")
        .map((s) => (s.rule.device === "*" ? `${s.rule.label} (${s.device})` : s.rule.label));
      return [...failing, ...staleStates.filter((s) => s.firing).map((s) => s.label)];
    },
  };
}

export function failingRule(rule: AlertRuleConfig, device: string): FailingRule {
  return { rule, label: rule.name ?? rule.when, device, forMs: parseDuration(rule.for) ?? 0 };
}

export function staleRule(rule: AlertRuleConfig, device: string, channel: string, afterMs: number): StaleRule {
  return { rule, label: rule.name ?? rule.when, device, channel, afterMs };
}
