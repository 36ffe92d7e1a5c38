import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutbox } from "../../src/outbox/outbox.js";
import { replayDir } from "../../src/outbox/replay.js";
import { openSegmentLog } from "../../src/outbox/segment-log.js";
import type { Reading } from "../../src/readings/reading.js";
import { formatStatus } from "../../src/status/status.js";
import { sinkStatus } from "../../src/delivery/status.js";
import { eventually } from "../harness/wait.js";

/**
 * The outbox on a real, tiny tmpfs filled to the last byte: writes, compaction (copy-forward and
 * segment roll) meet ENOSPC. Nothing may throw, no torn record may stay on disk, the trouble shows
 * in the status, and once space is back the outbox writes again and a restart finds exactly the
 * readings that were not acknowledged: none lost, none delivered brought back.
 */
const SIZE = 256 * 1024;
let mountPoint = "";
let mounted = false;

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), "xmpp-iot-diskfull-"));
  const run = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${SIZE},mode=0700`, "tmpfs", mountPoint], { encoding: "utf8" });
  mounted = run.status === 0;
  if (!mounted) console.log(`disk-full tests skipped: cannot mount a tmpfs (${run.stderr.trim() || run.error?.message}); they need root`);
});

afterAll(() => {
  // Lazy: an outbox a failed test left open must not keep the mount busy.
  if (mounted) spawnSync("umount", ["--lazy", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const reading = (n: number): Reading => ({ device: "meter", channel: "t", value: n, time: 1_764_000_000 + n, id: `id-${n}` });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Fills the filesystem to the brim: 4 KiB chunks, then single bytes, until ENOSPC. */
function fill(file: string): number {
  const fd = openSync(file, "w");
  let bytes = 0;
  try {
    for (const size of [4096, 1]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try { bytes += writeSync(fd, chunk); } catch (error) { if ((error as { code?: string }).code === "ENOSPC") break; throw error; }
      }
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

function capture() {
  const lines: string[] = [];
  const log = pino({ level: "info" }, new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } }));
  return { lines, log };
}

describe.skipIf(process.getuid?.() !== 0)("outbox on a full disk (real tmpfs)", () => {
  it("cuts a write torn by ENOSPC off again, keeps the readings in memory, and writes them once space is back", async () => {
    expect(mounted).toBe(true);
    const dir = join(mountPoint, "torn");
    const { lines, log } = capture();
    const store = openSegmentLog({ dir, syncIntervalMs: 0, retryMs: 20, log });
    const outbox = createOutbox({ name: "pubsub", maxReadings: 5000, store, log });
    for (let n = 1; n <= 5; n++) outbox.push(reading(n));
    await tick();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith(".seg"))!);
    const before = statSync(segment).size;
    expect(before % 4096).not.toBe(0); // the last page has room: the next write fits only partly
    const filler = join(mountPoint, "filler-torn");
    fill(filler);
    for (let n = 6; n <= 200; n++) outbox.push(reading(n)); // ~25 KB in one batch
    await tick();
    expect(store.stats()).toMatchObject({ refused: 1, cut: 1 });
    expect(statSync(segment).size).toBe(before);
    expect(replayDir(dir)).toMatchObject({ corrupt: 0 });
    expect(replayDir(dir).entries.length).toBe(5);
    const full = outbox.stats();
    expect(full).toMatchObject({ pending: 200, disk: { memoryOnly: 195 } });
    expect(full.disk!.error).toMatch(/^ENOSPC/);
    expect(formatStatus({ name: "pi", jid: "agent@x", connected: true, uptimeS: 1, devices: [], pipeline: { accepted: 0, suppressed: 0, rejected: 0 },
      sinks: [sinkStatus("pubsub", true, full)] })).toMatch(/\npubsub: connected, 200 pending.*\n {2}disk full \(ENOSPC\) for \d+s: 195 readings in memory only$/);
    await sleep(200); // several retries while still full: logged once, not once per retry
    expect(store.stats().refused).toBeGreaterThan(2);
    expect(lines.filter((l) => l.includes("the disk refuses writes")).length).toBe(1);

    unlinkSync(filler);
    await eventually(() => outbox.stats().disk === undefined, "the outbox writes again once space is back", 20_000);
    expect(lines.filter((l) => l.includes("the disk accepts writes again")).length).toBe(1);
    const after = replayDir(dir);
    console.log(JSON.stringify({ refused: store.stats().refused, cut: store.stats().cut, onDisk: after.entries.length, corrupt: after.corrupt }));
    expect(after.corrupt).toBe(0);
    expect(after.entries.map((e) => e.entry.reading.id)).toEqual(Array.from({ length: 200 }, (_, i) => `id-${i + 1}`));
    await outbox.close();
  }, 60_000);

  it("compaction (segment roll, copy-forward) at ENOSPC never throws, and a restart finds exactly the unacknowledged readings", async () => {
    expect(mounted).toBe(true);
    const dir = join(mountPoint, "compaction");
    const { lines, log } = capture();
    const store = openSegmentLog({ dir, syncIntervalMs: 0, segmentBytes: 8 * 1024, retryMs: 20, log });
    const outbox = createOutbox({ name: "pubsub", maxReadings: 5000, store, log });
    const acked = new Set<string>();
    let n = 0;
    // 60 readings stay in flight throughout (a stalled node), so compaction has to copy them forward.
    for (let i = 0; i < 60; i++) outbox.push(reading(++n));
    const stuck = Array.from({ length: 60 }, () => outbox.next()!);
    const round = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) outbox.push(reading(++n));
      await tick();
      // Acknowledge all but the last five, the way the sink does after the server's answer.
      for (let e = outbox.next(); e && outbox.waiting > 5; e = outbox.next()) { outbox.ack(e); acked.add(e.reading.id); }
      outbox.retryAll();
      for (let i = 0; i < stuck.length; i++) outbox.next(); // the oldest: the stuck ones, in flight again
      await tick();
    };
    for (let r = 0; r < 40; r++) await round(25);
    expect(outbox.stats().disk).toBeUndefined();

    const filler = join(mountPoint, "filler-compaction");
    let filled = 0;
    // Keep going on a disk that is full but for one page, refilled each round: batches fit or tear,
    // segment rolls find no page for the new file, copy-forwards tear half way.
    for (let r = 0; r < 60; r++) {
      filled = fill(filler);
      truncateSync(filler, Math.max(0, filled - 4096 - (filled % 4096)));
      await round(60); // ~7 KB: more than the page left
      await sleep(25);
      expect(replayDir(dir).corrupt).toBe(0);
    }
    filled = fill(filler);
    await round(60);
    await sleep(50);
    const full = outbox.stats();
    expect(full.disk?.error).toMatch(/^ENOSPC/);
    expect(store.stats()).toMatchObject({ refused: expect.any(Number), cut: expect.any(Number) });
    expect(store.stats().refused).toBeGreaterThan(2);
    expect(store.stats().cut).toBeGreaterThan(0);

    unlinkSync(filler);
    await eventually(() => outbox.stats().disk === undefined, "the outbox writes again once space is back", 20_000);
    for (let r = 0; r < 10; r++) await round(25);
    const pending = new Set<string>();
    outbox.retryAll();
    for (let e = outbox.next(); e; e = outbox.next()) pending.add(e.reading.id);
    for (const e of stuck) expect(pending.has(e.reading.id)).toBe(true);
    // No close(): the agent is killed here. What reached the page cache is what a restart sees.
    const after = replayDir(dir);
    const recovered = after.entries.map((e) => e.entry.reading.id);
    console.log(JSON.stringify({ tmpfsBytes: SIZE, fillerBytes: filled, produced: n, acked: acked.size, pending: pending.size, recovered: recovered.length,
      corrupt: after.corrupt, refused: store.stats().refused, cut: store.stats().cut, segments: readdirSync(dir).filter((f) => f.endsWith(".seg")).length,
      troubleLogLines: lines.filter((l) => l.includes("the disk refuses writes")).length }));
    expect(after.corrupt).toBe(0);
    expect(new Set(recovered)).toEqual(pending);
    expect(recovered.filter((id) => acked.has(id))).toEqual([]);
    expect(acked.size + pending.size).toBe(n);
    await outbox.close();
    expect(readFileSync(join(dir, "lock"), "utf8")).toBe("");
  }, 60_000);

  it("an agent started on a full disk opens its outbox and finds what was pending", async () => {
    expect(mounted).toBe(true);
    const dir = join(mountPoint, "restart");
    const { lines, log } = capture();
    const first = createOutbox({ name: "pubsub", maxReadings: 100, store: openSegmentLog({ dir, syncIntervalMs: 0, log }), log });
    for (let n = 1; n <= 10; n++) first.push(reading(n));
    await first.close(); // stopped (a reboot, an update) with 10 readings not yet delivered
    const filler = join(mountPoint, "filler-restart");
    fill(filler);
    // The restart finds the disk full to the last byte.
    const store = openSegmentLog({ dir, syncIntervalMs: 0, retryMs: 20, log });
    const second = createOutbox({ name: "pubsub", maxReadings: 100, store, log });
    expect(second.stats()).toMatchObject({ pending: 10, recovered: 10 });
    for (let n = 11; n <= 20; n++) second.push(reading(n));
    await tick();
    expect(second.stats().disk?.error).toMatch(/^ENOSPC/);
    expect(lines.some((l) => l.includes("cannot write the owner into the lock file"))).toBe(true);
    unlinkSync(filler);
    await eventually(() => second.stats().disk === undefined, "the outbox writes again", 20_000);
    expect(replayDir(dir).entries.map((e) => e.entry.reading.id)).toEqual(Array.from({ length: 20 }, (_, i) => `id-${i + 1}`));
    await second.close();
  }, 60_000);
});
