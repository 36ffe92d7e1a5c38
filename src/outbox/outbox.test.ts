import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Reading } from "../readings/reading.js";
import { createOutbox } from "./outbox.js";
import { decodeRecord, encodeRecord, toRanges } from "./record.js";
import { openSegmentLog } from "./segment-log.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), "outbox-test-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const reading = (n: number): Reading => ({ device: "d", channel: "c", value: n, time: 1_764_000_000 + n / 1000, id: `id-${n}` });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function durable(dir: string, maxReadings: number, segmentBytes?: number) {
  const store = openSegmentLog({ dir, syncIntervalMs: 0, log, ...(segmentBytes ? { segmentBytes } : {}) });
  return { store, outbox: createOutbox({ name: "t", maxReadings, store, log }) };
}

describe("record format", () => {
  it("round-trips and refuses a torn or altered line", () => {
    const line = encodeRecord({ k: "add", s: 7, t: 1, r: reading(7) }).trimEnd();
    expect(decodeRecord(line)).toEqual({ k: "add", s: 7, t: 1, r: reading(7) });
    expect(decodeRecord(line.slice(0, -3))).toBeUndefined();
    expect(decodeRecord(line.replace('"value":7', '"value":8'))).toBeUndefined();
    expect(toRanges([5, 1, 2, 3, 9, 10])).toEqual([[1, 3], [5, 5], [9, 10]]);
  });
});

describe("outbox", () => {
  it("keeps seq order when entries in flight come back", () => {
    const outbox = createOutbox({ name: "t", maxReadings: 10, log });
    for (let i = 1; i <= 5; i++) outbox.push(reading(i));
    const [a, b, c] = [outbox.next()!, outbox.next()!, outbox.next()!];
    outbox.retry(b);
    outbox.ack(a);
    outbox.retry(c);
    const order: string[] = [];
    for (let e = outbox.next(); e; e = outbox.next()) order.push(e.reading.id);
    expect(order).toEqual(["id-2", "id-3", "id-4", "id-5"]);
    outbox.retryAll();
    expect(outbox.next()!.reading.id).toBe("id-2");
  });

  it("reports the oldest pending reading, also when a retry sent an older one after newer ones", () => {
    let clock = 1000;
    const outbox = createOutbox({ name: "t", maxReadings: 10, log, now: () => clock });
    for (let n = 1; n <= 3; n++) { outbox.push(reading(n)); clock += 10; }
    const first = outbox.next()!;
    outbox.next();
    expect(outbox.stats().oldestAcceptedAt).toBe(1000);
    outbox.retry(first); // back into the queue, then in flight again behind seq 2
    expect(outbox.next()).toBe(first);
    expect(outbox.stats()).toMatchObject({ pending: 3, inflight: 2, oldestAcceptedAt: 1000 });
    outbox.ack(first);
    expect(outbox.stats()).toMatchObject({ pending: 2, inflight: 1, oldestAcceptedAt: 1010 });
  });

  it("drops the oldest at the bound and counts exactly", () => {
    const outbox = createOutbox({ name: "t", maxReadings: 100, log });
    for (let i = 1; i <= 1234; i++) outbox.push(reading(i));
    expect(outbox.stats()).toMatchObject({ pending: 100, dropped: 1134, delivered: 0 });
    expect(outbox.next()!.reading.id).toBe("id-1135");
  });

  it("recovers exactly the unacknowledged readings after a crash, without close()", async () => {
    const dir = tmp();
    const first = durable(dir, 1000);
    for (let i = 1; i <= 50; i++) first.outbox.push(reading(i));
    for (let i = 1; i <= 20; i++) first.outbox.ack(first.outbox.next()!);
    first.outbox.next(); // 21 in flight, never answered
    await tick(); // one event-loop turn: the batch is written
    // no close(): the process is "killed" here
    const second = durable(dir, 1000);
    expect(second.outbox.stats()).toMatchObject({ pending: 30, recovered: 30 });
    expect(second.outbox.next()!.reading).toEqual(reading(21));
    second.outbox.push(reading(51));
    await second.outbox.close();
    expect(second.store.nextSeq).toBeGreaterThan(50);
  });

  it("skips a torn last line and keeps the rest", async () => {
    const dir = tmp();
    const first = durable(dir, 1000);
    for (let i = 1; i <= 3; i++) first.outbox.push(reading(i));
    await first.outbox.close();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".seg"))!);
    appendFileSync(file, encodeRecord({ k: "add", s: 4, t: 1, r: reading(4) }).slice(0, 40));
    const second = durable(dir, 1000);
    expect(second.outbox.stats().pending).toBe(3);
    expect(second.store.stats().corrupt).toBe(1);
    await second.outbox.close();
  });

  it("one damaged ack record does not bring delivered readings back as duplicates", async () => {
    for (const stuckFirst of [false, true]) {
      const dir = tmp();
      const first = durable(dir, 1000);
      for (let i = 1; i <= 40; i++) first.outbox.push(reading(i));
      await tick();
      if (stuckFirst) first.outbox.next(); // id-1 stays in flight: the low watermark cannot pass it
      const ackUpTo = async (to: number): Promise<void> => {
        for (let e = first.outbox.next(); e; e = first.outbox.next()) {
          if (Number(e.reading.id.slice(3)) <= to) first.outbox.ack(e);
          else { first.outbox.retry(e); break; }
        }
        await tick();
      };
      for (const to of [10, 20, 30]) await ackUpTo(to);
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".seg"))!);
      const lines = readFileSync(file, "utf8").split("\n");
      const deadLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes('{"d":'));
      expect(deadLines.length).toBe(3);
      const [, middle] = deadLines[1]!;
      lines[middle] = lines[middle]!.replace('"d":', '"d" :'); // a flipped byte: the checksum fails
      writeFileSync(file, lines.join("\n"));
      const second = durable(dir, 1000);
      const ids = second.store.recovered.map((e) => e.reading.id);
      expect(second.store.stats().corrupt).toBe(1);
      expect(ids).toEqual([...(stuckFirst ? ["id-1"] : []), ...Array.from({ length: 10 }, (_, i) => `id-${31 + i}`)]);
      await second.outbox.close();
    }
  });

  it("a smaller bound at restart drops the oldest recovered, counted", async () => {
    const dir = tmp();
    const first = durable(dir, 1000);
    for (let i = 1; i <= 10; i++) first.outbox.push(reading(i));
    await first.outbox.close();
    const second = durable(dir, 4);
    expect(second.outbox.stats()).toMatchObject({ pending: 4, dropped: 6 });
    expect(second.outbox.next()!.reading.id).toBe("id-7");
    await second.outbox.close();
    expect(durable(dir, 1000).outbox.stats().pending).toBe(4);
  });

  it("refuses a directory whose flock another process holds, and ignores whatever pid a stale lock file names", async () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    // --no-fork: the holder is one process, so killing it drops the lock.
    const holder = spawn("flock", ["--exclusive", "--no-fork", join(dir, "lock"), "sleep", "30"], { stdio: "ignore" });
    try {
      // Until the holder has it, an open here would take the lock itself.
      await vi.waitFor(() => expect(spawnSync("flock", ["--nonblock", join(dir, "lock"), "true"]).status).toBe(1), { timeout: 10_000, interval: 50 });
      expect(() => durable(dir, 10)).toThrow(/is in use by another process/);
    } finally {
      holder.kill("SIGKILL");
    }
    await new Promise((resolve) => holder.once("exit", resolve));
    writeFileSync(join(dir, "lock"), "1\n"); // pid 1 always exists: a pid alone proves nothing
    const { outbox } = durable(dir, 10);
    await outbox.close();
    const again = durable(dir, 10); // closing released it
    await again.outbox.close();
  });

  it("disk use stays bounded: old segments go once their readings left, even with one stuck", async () => {
    const dir = tmp();
    const { outbox, store } = durable(dir, 200, 4096);
    const stuck = (outbox.push(reading(0)), outbox.next()!); // in flight forever
    for (let i = 1; i <= 20_000; i++) {
      outbox.push(reading(i));
      if (i % 10 === 0) { await tick(); for (let e = outbox.next(); e; e = outbox.next()) outbox.ack(e); }
    }
    await tick();
    const bytes = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(store.stats().segments).toBeLessThanOrEqual(3);
    expect(bytes).toBeLessThan(3 * 4096 + 2048);
    expect(outbox.stats()).toMatchObject({ pending: 1, delivered: 20_000, dropped: 0 });
    await outbox.close();
    const again = durable(dir, 200);
    expect(again.outbox.next()!.reading).toEqual(stuck.reading);
    expect(again.outbox.stats().pending).toBe(1);
    await again.outbox.close();
  });
});
