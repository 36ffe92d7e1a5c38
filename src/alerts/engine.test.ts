import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Reading } from "../readings/reading.js";
import { createAlertEngine, type AlertDelivery } from "./engine.js";
import { alertRuleSchema } from "./rules.js";

/** A recording delivery: our own interface, so a fake is fine here; the real one is tested in test/commands. */
function recorder(online = true) {
  const sent: string[] = [];
  const delivery: AlertDelivery & { up: boolean } = {
    up: online,
    toJid: (jid, body) => sent.push(`${jid}: ${body}`),
    toRoom: (room, body) => sent.push(`#${room}: ${body}`),
    online: () => delivery.up,
  };
  return { sent, delivery };
}
let t = 0;
const reading = (value: number | string): Reading => ({ device: "g", channel: "t", value, unit: "Cel", time: Date.now() / 1000, id: String(t++) });

describe("alert engine", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("fires only after the condition held for `for`, once, and clears past the hysteresis", async () => {
    const { sent, delivery } = recorder();
    const engine = createAlertEngine({ rules: [alertRuleSchema.parse({ when: "g/t > 35", for: "60s", hysteresis: 1, notify: ["alice@x"], room: "ops@conf.x" })], delivery, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    engine.accept(reading(36));
    vi.advanceTimersByTime(30_000);
    engine.accept(reading(34)); // dips below before 60 s: the timer is reset
    engine.accept(reading(37));
    vi.advanceTimersByTime(59_000);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1_001);
    expect(sent).toEqual(["alice@x: ⚠ ALERT g/t > 35: g/t is 37°C for 1m", "#ops@conf.x: ⚠ ALERT g/t > 35: g/t is 37°C for 1m"]);
    engine.accept(reading(38));
    engine.accept(reading(34.5)); // inside the band
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(5_000);
    engine.accept(reading(33.9));
    vi.advanceTimersByTime(1);
    expect(sent.slice(2)).toEqual(["alice@x: ✅ OK g/t > 35: g/t is back to 33.9°C (alert lasted 5s)", "#ops@conf.x: ✅ OK g/t > 35: g/t is back to 33.9°C (alert lasted 5s)"]);
    expect(engine.active()).toEqual([]);
    await engine.stop();
  });

  it("queues while offline within a bound and delivers when back", async () => {
    const { sent, delivery } = recorder(false);
    const engine = createAlertEngine({ rules: [alertRuleSchema.parse({ when: "g/t > 35", notify: ["alice@x"] })], delivery, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    for (let i = 0; i < 60; i++) { engine.accept(reading(40)); engine.accept(reading(20)); }
    expect(engine.status()).toMatchObject({ pending: 100, dropped: 20, delivered: 0 });
    delivery.up = true;
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(100);
    expect(sent[0]).toMatch(/ALERT/);
    expect(engine.status()).toMatchObject({ pending: 0, dropped: 20, delivered: 100 });
    await engine.stop();
  });
});
