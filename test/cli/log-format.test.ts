import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prosodyInstalled, startProsody, type ProsodyServer } from "../../src/prosody/server.js";

// `xmpp-iot run` (the compiled CLI) against a real Prosody: readable lines in a terminal (a real
// PTY from util-linux `script`), JSON lines into a pipe, and log.format choosing explicitly.
const CLI = fileURLToPath(new URL("../../dist/xmpp-iot.mjs", import.meta.url));
let dir: string;
let prosody: ProsodyServer | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-iot-logfmt-"));
  if (!prosodyInstalled()) return;
  prosody = await startProsody({ pubsubAdmins: ["agent@localhost"] });
  prosody.register("agent", "agent-pw-3");
}, 60_000);
afterAll(async () => {
  await prosody?.stop();
  prosody?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the agent until it is online, stops it, and returns everything it wrote to stderr. */
async function runUntilOnline(format: string | undefined, tty: boolean): Promise<string> {
  const file = join(dir, `${format ?? "auto"}-${tty}.json`);
  writeFileSync(file, JSON.stringify({
    xmpp: { service: prosody!.service, jid: "agent@localhost", password: "agent-pw-3", tls: "off" },
    devices: [{ id: "g", driver: "simulated", intervalMs: 1000, channels: { t: { unit: "Cel" } } }],
    log: { level: "info", ...(format ? { format } : {}) },
  }));
  const command = [process.execPath, CLI, "run", "--config", file];
  // script(1) gives the agent a terminal; its output is the terminal's (stdout and stderr merged).
  const child = tty
    ? spawn("script", ["-qec", command.map((w) => `'${w}'`).join(" "), "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
    : spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/xmpp online/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // SIGTERM to the agent itself: under script(1) it is script's child (found by script's PID).
  const agentPid = tty ? Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/)[0]) : child.pid!;
  process.kill(agentPid, "SIGTERM");
  await exited;
  return out.replace(/\r/g, "");
}

describe.skipIf(!prosodyInstalled())("log lines: pretty in a terminal, JSON in a pipe, log.format to choose", () => {
  it("auto in a terminal: time, level, part, message, key=value", async () => {
    const out = await runUntilOnline(undefined, true);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  xmpp     xmpp online jid=agent@localhost\/agent resumed=false$/m);
    expect(out).not.toMatch(/^\{"level"/m);
    expect(out).not.toContain("agent-pw-3");
  }, 60_000);

  it("auto in a pipe: JSON lines", async () => {
    const out = await runUntilOnline(undefined, false);
    const online = out.split("\n").find((l) => l.includes("xmpp online"));
    expect(JSON.parse(online!)).toMatchObject({ level: 30, part: "xmpp", msg: "xmpp online" });
  }, 60_000);

  it('log.format "pretty" in a pipe and "json" in a terminal', async () => {
    expect(await runUntilOnline("pretty", false)).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  xmpp     xmpp online /m);
    const json = await runUntilOnline("json", true);
    expect(JSON.parse(json.split("\n").find((l) => l.includes("xmpp online"))!)).toMatchObject({ msg: "xmpp online" });
  }, 90_000);
});
