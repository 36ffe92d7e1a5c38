import { describe, expect, it } from "vitest";
import { IotError } from "../errors/catalog.js";
import { parseConfig } from "../config/load.js";
import { holds, parseCondition, parseDuration } from "./rules.js";

describe("alert rules", () => {
  it("parses conditions", () => {
    expect(parseCondition("greenhouse/temperature > 35")).toEqual({ ok: true, condition: { device: "greenhouse", channel: "temperature", op: ">", threshold: 35 } });
    expect(parseCondition("door/open == true")).toEqual({ ok: true, condition: { device: "door", channel: "open", op: "==", threshold: true } });
    expect(parseCondition('meter/state != "ok"')).toEqual({ ok: true, condition: { device: "meter", channel: "state", op: "!=", threshold: "ok" } });
    expect(parseCondition("tank/level<=-2.5")).toMatchObject({ ok: true, condition: { op: "<=", threshold: -2.5 } });
    expect(parseCondition("temperature > 35")).toMatchObject({ ok: false, reason: expect.stringContaining("<device>/<channel> <op> <value>") });
    expect(parseCondition("door/open > true")).toEqual({ ok: false, reason: '">" needs a number; use == or != for true' });
    expect(parseCondition("a/b > warm")).toMatchObject({ ok: false, reason: expect.stringContaining('"quoted string"') });
  });

  it("applies the hysteresis band only when asked", () => {
    const c = { device: "g", channel: "t", op: ">" as const, threshold: 35 };
    expect(holds(c, 35.1)).toBe(true);
    expect(holds(c, 34)).toBe(false);
    expect(holds(c, 34, 2)).toBe(true);
    expect(holds(c, 33, 2)).toBe(false);
    expect(holds(c, "hot")).toBe(false);
    expect(holds({ ...c, op: "<", threshold: 5 }, 6, 2)).toBe(true);
    expect(holds({ ...c, op: "==", threshold: true }, true)).toBe(true);
  });

  it("parses durations", () => {
    expect([parseDuration("60s"), parseDuration("5m"), parseDuration("500ms"), parseDuration("1.5h"), parseDuration("60")]).toEqual([60_000, 300_000, 500, 5_400_000, undefined]);
  });

  it("rejects a bad rule at config time naming the field", () => {
    const base = { xmpp: { jid: "agent@localhost", password: "x" }, devices: [{ id: "greenhouse", driver: "simulated", channels: { temperature: {} } }] };
    const details = (alerts: unknown[]): readonly string[] => {
      try {
        parseConfig({ ...base, alerts });
        return [];
      } catch (error) {
        return (error as IotError).details;
      }
    };
    expect(details([{ when: "greenhouse/temperature > 35", notify: ["alice@localhost"] }])).toEqual([]);
    expect(details([{ when: "greenhouse/temperature ~ 35", notify: ["alice@localhost"] }]).join("\n")).toMatch(/alerts\[0\]\.when.*not a condition like/);
    expect(details([{ when: "greenhouse/temperature >> 35", notify: ["alice@localhost"] }]).join("\n")).toMatch(/alerts\[0\]\.when.*must be a number, true\/false/);
    expect(details([{ when: "cellar/temperature > 35", notify: ["alice@localhost"] }]).join("\n")).toMatch(/alerts\[0\]\.when.*no device "cellar" in devices \(have: greenhouse\)/);
    expect(details([{ when: "greenhouse/temperature > 35", for: "a minute", notify: ["alice@localhost"] }]).join("\n")).toMatch(/alerts\[0\]\.for.*a duration like/);
    expect(details([{ when: "greenhouse/temperature > 35" }]).join("\n")).toMatch(/alerts\[0\]\.notify.*at least one JID/);
    expect(details([{ when: "greenhouse/temperature > 35", notify: ["alice"] }]).join("\n")).toMatch(/alerts\[0\]\.notify\[0\]/);
    expect(details([{ when: "greenhouse/temperature > 35", notify: ["alice@localhost"], romm: "x@y" }]).join("\n")).toMatch(/romm/);
  });
});
