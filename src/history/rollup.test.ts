import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parsePeriod, sparkline } from "../commands/history.js";
import type { Reading } from "../readings/reading.js";
import { createHistory } from "./rollup.js";

const log = pino({ level: "silent" });
const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-history-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const reading = (channel: string, value: number | boolean, timeS: number): Reading => ({ device: "g", channel, value, time: timeS, id: `${channel}-${timeS}` });

describe("history rollup", () => {
  it("keeps one record per channel per minute, bounded, on disk, and survives a restart", async () => {
    const path = join(dir, "a", "history.jsonl");
    let now = 600_000;
    const first = createHistory({ log }, { path, maxRecords: 5, now: () => now });
    first.load();
    await first.start(new AbortController().signal);
    // 10 minutes of one reading every 10 s (values 0..59), and a boolean that is not kept.
    for (let s = 600; s < 1200; s += 10) { first.accept(reading("t", (s - 600) / 10, s)); first.accept(reading("lamp", true, s)); }
    now = 1_200_000;
    await first.stop();
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(5 * 1.25));
    const kept = first.query({ device: "g", channel: "t", sinceMs: 0 });
    expect(kept.map((r) => [r.m, r.min, r.max, r.n])).toEqual([[15, 30, 35, 6], [16, 36, 41, 6], [17, 42, 47, 6], [18, 48, 53, 6], [19, 54, 59, 6]]);
    expect(first.query({ device: "g", channel: "lamp", sinceMs: 0 })).toEqual([]);

    // A power cut mid-append leaves a torn line: skipped on load, the rest is kept.
    appendFileSync(path, '{"d":"g","c":"t","m":19,"min":1');
    const second = createHistory({ log }, { path, maxRecords: 5, now: () => now });
    second.load();
    expect(second.query({ device: "g", channel: "t", sinceMs: 0 }).map((r) => r.m)).toEqual([15, 16, 17, 18, 19]);
    // The same minute written before and after a restart is merged into one record.
    second.accept(reading("t", 100, 19 * 60 + 59));
    expect(second.query({ device: "g", channel: "t", sinceMs: 19 * 60_000 })).toEqual([{ d: "g", c: "t", m: 19, min: 54, max: 100, sum: 54 + 55 + 56 + 57 + 58 + 59 + 100, n: 7 }]);
  });

  it("parses periods and draws a one-line sparkline", () => {
    expect(parsePeriod("1h")).toBe(3_600_000);
    expect(parsePeriod("24H")).toBe(86_400_000);
    expect(parsePeriod("7d")).toBe(604_800_000);
    expect(() => parsePeriod("8d")).toThrow(/not one of 1h, 24h, 7d/);
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7, undefined, 7])).toBe("▁▂▃▄▅▆▇█·█");
    expect(sparkline([5, 5])).toBe("▄▄");
  });
});
