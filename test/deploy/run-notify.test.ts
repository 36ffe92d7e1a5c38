import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prosodyInstalled, startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { listenNotify, type NotifyListener } from "./notify-listener.js";

// `xmpp-iot run` as systemd runs it: NOTIFY_SOCKET and WATCHDOG_USEC set, a real Prosody on
// loopback, signals from outside. Runs the compiled CLI (npm test builds dist first).
const CLI = fileURLToPath(new URL("../../dist/xmpp-iot.mjs", import.meta.url));
let scratch: string;
let prosody: ProsodyServer | undefined;
let configFile: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-run-notify-"));
  if (!prosodyInstalled()) return;
  prosody = await startProsody({});
  prosody.register("agent", "agent-pw");
  configFile = join(scratch, "config.json");
  writeFileSync(configFile, JSON.stringify({
    name: "pi",
    xmpp: { service: prosody.service, jid: "agent@localhost", password: "agent-pw", tls: "off" },
    devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 500, channels: { temperature: { unit: "Cel", min: 15, max: 30 } } }],
    log: { level: "info" },
  }));
});
afterAll(async () => {
  await prosody?.stop();
  prosody?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run { readonly child: ChildProcess; readonly listener: NotifyListener; readonly exited: Promise<{ code: number | null; signal: string | null }>; stderr: string }

/** `journal`: stderr is a file announced as the journal stream, the way systemd sets it up. */
async function runAgent(name: string, journal = false, config = configFile): Promise<Run> {
  const listener = await listenNotify(join(scratch, `${name}.sock`));
  const stderrFile = join(scratch, `${name}.stderr`);
  const fd = journal ? openSync(stderrFile, "w") : undefined;
  const stat = fd === undefined ? undefined : fstatSync(fd);
  const child = spawn(process.execPath, [CLI, "run", "--config", config], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin", NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "1000000",
      ...(stat ? { JOURNAL_STREAM: `${stat.dev}:${stat.ino}` } : {}),
    },
    stdio: ["ignore", "ignore", fd ?? "pipe"],
  });
  if (fd !== undefined) closeSync(fd);
  const run: Run = {
    child, listener, stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code, signal) => {
      listener.close();
      if (journal) run.stderr = readFileSync(stderrFile, "utf8");
      resolve({ code, signal });
    })),
  };
  child.stderr?.on("data", (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

const texts = (run: Run): string[] => run.listener.messages.map((m) => m.data);

describe.skipIf(!prosodyInstalled())("xmpp-iot run under systemd's notify protocol", () => {
  it("sends READY=1 once the devices run, STATUS=online once connected, pings the watchdog, and SIGTERM stops with STOPPING=1 and exit 0", async () => {
    const run = await runAgent("term");
    await run.listener.waitFor((m) => m.some((x) => x.data.includes("READY=1")), 30_000);
    const ready = texts(run).find((t) => t.includes("READY=1")) ?? "";
    expect(ready).toContain(`MAINPID=${run.child.pid}`);
    // The connection comes up in the background (a Pi may boot before its network).
    expect(ready).toMatch(/STATUS=(online|offline), [01]\/1 devices ok, \d+ pending/);
    await run.listener.waitFor((m) => m.some((x) => /STATUS=online, [01]\/1 devices ok, \d+ pending/.test(x.data)), 30_000);
    // WATCHDOG_USEC=1 s: a ping every 500 ms, from start (before READY) onwards.
    await run.listener.waitFor((m) => m.filter((x) => x.data === "WATCHDOG=1").length >= 3, 10_000);
    run.child.kill("SIGTERM");
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(texts(run)).toContain("STOPPING=1\nSTATUS=shutting down");
    expect(texts(run).indexOf("STOPPING=1\nSTATUS=shutting down")).toBeGreaterThan(texts(run).findIndex((t) => t.includes("READY=1")));
  }, 60_000);

  it("SIGHUP shuts down cleanly, then ends by SIGHUP so RestartForceExitStatus=SIGHUP restarts it", async () => {
    const run = await runAgent("hup", true);
    await run.listener.waitFor((m) => m.some((x) => x.data.includes("STATUS=online")), 30_000);
    run.child.kill("SIGHUP");
    expect(await run.exited).toEqual({ code: null, signal: "SIGHUP" });
    expect(texts(run)).toContain("STOPPING=1\nSTATUS=restarting to reload the config");
    // Journal format: priority prefix for journald, no JSON, no timestamps of our own.
    expect(run.stderr).toContain("<6>shutting down signal=SIGHUP\n");
    expect(run.stderr).toContain("<6>agent stopped\n");
    expect(run.stderr).toMatch(/^<6>\[xmpp\] xmpp online /m);
  }, 60_000);

  it("keeps queued readings across a SIGHUP restart: the durable outbox sends them after the restart", async () => {
    // Its own server, so stopping it does not disturb the other tests.
    const server = await startProsody({});
    server.register("agent", "agent-pw");
    const config = join(scratch, "outbox-config.json");
    writeFileSync(config, JSON.stringify({
      name: "pi",
      xmpp: { service: server.service, jid: "agent@localhost", password: "agent-pw", tls: "off", reconnectMinMs: 200, reconnectMaxMs: 500 },
      devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 100, channels: { temperature: { unit: "Cel", min: 15, max: 30 } } }],
      outbox: { path: join(scratch, "outbox"), syncIntervalMs: 0 },
      log: { level: "info" },
    }));
    let restarted: ProsodyServer | undefined;
    try {
      const first = await runAgent("outbox-1", true, config);
      await first.listener.waitFor((m) => m.some((x) => x.data.includes("READY=1")), 30_000);
      // Server gone (lost Wi-Fi): readings pile up in the outbox; then the config "reload".
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      first.child.kill("SIGHUP");
      expect(await first.exited).toEqual({ code: null, signal: "SIGHUP" });
      expect(first.stderr).toMatch(/pubsub readings still pending at stop pending=[1-9]\d* durable=true/);

      // What systemd does next (RestartForceExitStatus=SIGHUP): a new process, same outbox.
      restarted = await startProsody({ port: server.port, dir: server.dir });
      const second = await runAgent("outbox-2", true, config);
      await second.listener.waitFor((m) => m.some((x) => x.data.includes("READY=1")), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      second.child.kill("SIGTERM");
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(second.stderr).toMatch(/outbox: readings recovered from disk will be sent sink=pubsub recovered=[1-9]/);
      // Stop flushes and waits up to 5 s for acknowledgements. On a loaded machine some may still
      // be in flight; then they must be on disk for the next start, never dropped.
      const leftover = /still pending at stop pending=\d+ durable=(\w+)/.exec(second.stderr);
      expect(leftover?.[1] ?? "true").toBe("true");
      expect(second.stderr).not.toMatch(/outbox full|dropped=[1-9]/);
    } finally {
      await restarted?.stop();
      await server.stop();
      server.remove();
    }
  }, 90_000);
});
