import type { Logger } from "pino";
import { formatValue } from "../commands/format.js";
import type { Reading } from "../reading.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import { formatDuration } from "../status.js";
import { holds, parseCondition, parseDuration, type AlertRuleConfig, type Condition } from "./rules.js";

/** Where alert lines go; chat and MUC implement it, tests may record. */
export interface AlertDelivery {
  toJid(jid: string, body: string): void;
  toRoom(room: string, body: string): void;
  online(): boolean;
}

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

/** Lines kept while offline; past the bound the oldest are dropped and counted. */
const MAX_QUEUED = 100;

/**
 * Alert rules as a ReadingSink: a rule goes pending when its condition holds, fires once it has
 * held for `for` (a timer, so a sensor that reports rarely still fires), and clears with a message
 * once the value is back past the hysteresis band.
 */
export function createAlertEngine(deps: { rules: readonly AlertRuleConfig[]; delivery: AlertDelivery; log: Logger; now?: () => number }): ReadingSink & { active(): string[] } {
  const { delivery, log } = deps;
  const now = deps.now ?? Date.now;
  const states: RuleState[] = deps.rules.map((rule) => {
    const parsed = parseCondition(rule.when);
    if (!parsed.ok) throw new Error(`alerts: ${parsed.reason}`);
    return { rule, condition: parsed.condition, forMs: parseDuration(rule.for) ?? 0, label: rule.name ?? rule.when, phase: "idle", since: 0, firedAt: 0 };
  });
  const queue: Array<{ to: string; room: boolean; body: string }> = [];
  let delivered = 0;
  let dropped = 0;
  let running = false;
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (!delivery.online()) return;
    while (queue.length > 0) {
      const line = queue.shift()!;
      if (line.room) delivery.toRoom(line.to, line.body); else delivery.toJid(line.to, line.body);
      delivered++;
    }
  };
  const announce = (state: RuleState, body: string): void => {
    log.info({ rule: state.label, body }, "alert");
    for (const jid of state.rule.notify) queue.push({ to: jid, room: false, body });
    if (state.rule.room !== undefined) queue.push({ to: state.rule.room, room: true, body });
    while (queue.length > MAX_QUEUED) { queue.shift(); dropped++; }
    // After the current turn: a `set` that triggers the alert gets its own reply out first.
    setImmediate(flush);
  };
  const value = (r: Reading): string => formatValue(r.value, r.unit);

  const fire = (state: RuleState): void => {
    if (!running || state.phase !== "pending") return;
    state.phase = "firing";
    state.firedAt = now();
    const held = state.forMs > 0 ? ` for ${formatDuration(Math.round((now() - state.since) / 1000))}` : "";
    announce(state, `⚠ ALERT ${state.label}: ${state.condition.device}/${state.condition.channel} is ${state.last ? value(state.last) : "?"}${held}`);
  };

  return {
    name: "alerts",
    active: () => states.filter((s) => s.phase === "firing").map((s) => s.label),
    async start() {
      running = true;
      // Lines queued while offline go out once the link is back.
      flushTimer = setInterval(flush, 1000);
      flushTimer.unref();
    },
    async stop() {
      running = false;
      clearInterval(flushTimer);
      for (const s of states) clearTimeout(s.timer);
    },
    accept(reading: Reading): void {
      for (const state of states) {
        const c = state.condition;
        if (reading.device !== c.device || reading.channel !== c.channel) continue;
        state.last = reading;
        const bad = reading.quality?.includes("error") === true;
        if (state.phase === "firing") {
          if (!bad && !holds(c, reading.value, state.rule.hysteresis)) {
            state.phase = "idle";
            announce(state, `✅ OK ${state.label}: ${c.device}/${c.channel} is back to ${value(reading)} (alert lasted ${formatDuration(Math.round((now() - state.firedAt) / 1000))})`);
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
      return { name: "alerts", connected: delivery.online(), pending: queue.length, dropped, delivered };
    },
  };
}
