import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatStatus } from "../../src/status/status.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython, type PythonRun } from "../harness/python.js";
import { eventually } from "../harness/wait.js";

/**
 * The agent with its outbox on a real tmpfs that fills up, against a real Prosody: it keeps
 * publishing, `status` and the presence text (seen by a slixmpp watcher) say the disk is full,
 * and both clear by themselves once space is back.
 */
describe.skipIf(process.getuid?.() !== 0)("agent with a full outbox disk", () => {
  let mountPoint = "";
  let mounted = false;
  let bed: TestBed | undefined;
  let watch: PythonRun | undefined;

  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), "xmpp-iot-fullagent-"));
    mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", mountPoint]).status === 0;
    if (!mounted) return;
    bed = await startTestBed({
      devices: [{ id: "g", driver: "simulated", intervalMs: 100, channels: { t: { unit: "Cel", waveform: "randomWalk", step: 0.5, value: 20 } } }],
      outbox: { path: join(mountPoint, "outbox"), syncIntervalMs: 0 },
    });
    watch = runPython("../drivers/presence_watch.py", ["--jid", "alice@localhost", "--port", String(bed.prosody.port), "--agent", "agent@localhost/agent", "--timeout", "100"],
      { WATCH_PASSWORD: ACCOUNTS.alice });
    await watch.waitFor((l) => "ready" in l, 30_000);
  }, 90_000);

  afterAll(async () => {
    watch?.kill();
    await bed?.stop();
    if (mounted) spawnSync("umount", ["--lazy", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("keeps publishing, shows the full disk in status and presence, and recovers once space is back", async () => {
    expect(mounted).toBe(true);
    const agent = bed!.agent;
    await watch!.waitFor((l) => l["status"] === "1/1 devices ok", 30_000);
    const filler = join(mountPoint, "filler");
    const fd = openSync(filler, "w");
    for (const chunk of [Buffer.alloc(4096, 1), Buffer.alloc(1, 1)]) {
      for (;;) { try { writeSync(fd, chunk); } catch { break; } }
    }
    closeSync(fd);

    const pubsub = () => agent.status().sinks.find((s) => s.name === "pubsub")!;
    await eventually(() => pubsub().disk !== undefined, "the outbox reports the full disk", 20_000);
    const full = await watch!.waitFor((l) => l["status"] === "1/1 devices ok; pubsub outbox: disk full (ENOSPC)", 30_000);
    expect(full["show"]).toBe("");
    expect(formatStatus(agent.status())).toMatch(/\npubsub: connected, \d+ pending.*\n {2}disk full \(ENOSPC\) for \d+s: \d+ readings in memory only/);
    const delivered = pubsub().delivered;
    await eventually(() => pubsub().delivered >= delivered + 10, "readings still delivered while the disk is full", 30_000);

    unlinkSync(filler);
    await eventually(() => pubsub().disk === undefined, "the outbox writes again", 60_000);
    const after = (): Array<Record<string, unknown>> => watch!.lines.slice(watch!.lines.indexOf(full) + 1);
    await eventually(() => after().some((l) => l["status"] === "1/1 devices ok"), "presence back to plain health", 30_000);
    expect(bed!.logs.filter((l) => l.includes("the disk refuses writes")).length).toBe(1);
    expect(bed!.logs.some((l) => l.includes("the disk accepts writes again"))).toBe(true);
    console.log(JSON.stringify({ deliveredWhileFull: pubsub().delivered - delivered }));
  }, 120_000);
});
