import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prosodyInstalled, startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { createPtyPair, type PtyPair } from "../drivers/pty.js";
import { listenNotify } from "./notify-listener.js";

// The unit's SystemCallFilter=@system-service ~@privileged cannot be tried without systemd as
// PID 1, so this checks it the other way round: trace every system call the agent (and its
// children: systemd-notify, which inherits the filter) makes in a real run — XMPP to Prosody, a
// serial device on a socat PTY through the native binding, notify, SIGHUP shutdown — and require
// each one to be in the set systemd would allow. Traced on this host's architecture; the groups
// are defined by name for every architecture, so a Pi uses the same names' arm64 equivalents.
const CLI = fileURLToPath(new URL("../../dist/xmpp-iot.mjs", import.meta.url));
const UNIT = fileURLToPath(new URL("../../systemd/xmpp-iot.service", import.meta.url));
const haveTools = spawnSync("strace", ["-V"]).status === 0 && prosodyInstalled();

/** `systemd-analyze syscall-filter` output -> group name -> members (names and @groups). */
function syscallGroups(): Map<string, string[]> {
  const out = spawnSync("systemd-analyze", ["syscall-filter", "--no-pager"], { encoding: "utf8" }).stdout;
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split("\n")) {
    if (line.startsWith("@")) groups.set(line.trim(), (current = []));
    else if (/^ {4}[@\w]/.test(line) && current) current.push(line.trim());
  }
  return groups;
}

function expand(groups: Map<string, string[]>, name: string, into = new Set<string>()): Set<string> {
  for (const member of groups.get(name) ?? []) {
    if (member.startsWith("@")) expand(groups, member, into);
    else into.add(member);
  }
  return into;
}

/** The allow list the unit's SystemCallFilter= lines produce (@default is always allowed). */
function allowedByUnit(): Set<string> {
  const groups = syscallGroups();
  const allowed = expand(groups, "@default");
  const unit = readFileSync(UNIT, "utf8");
  for (const [, value] of unit.matchAll(/^SystemCallFilter=(.*)$/gm)) {
    const deny = value!.startsWith("~");
    for (const item of (deny ? value!.slice(1) : value!).split(/\s+/).filter(Boolean)) {
      const names = item.startsWith("@") ? expand(groups, item) : new Set([item]);
      for (const name of names) deny ? allowed.delete(name) : allowed.add(name);
    }
  }
  return allowed;
}

let scratch: string;
let prosody: ProsodyServer | undefined;
let pty: PtyPair | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-syscalls-"));
  if (!haveTools) return;
  prosody = await startProsody({});
  prosody.register("agent", "agent-pw");
  pty = await createPtyPair();
  await pty.plug();
});
afterAll(async () => {
  await pty?.close();
  await prosody?.stop();
  prosody?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!haveTools)("SystemCallFilter of the unit", () => {
  it("allows every system call a real run of the agent makes", async () => {
    const allowed = allowedByUnit();
    expect(allowed.has("openat")).toBe(true);
    expect(allowed.has("mount")).toBe(false);

    const config = join(scratch, "config.json");
    writeFileSync(config, JSON.stringify({
      name: "pi",
      // A host name, not an IP: name resolution (getaddrinfo asks netlink and nscd) is part of the run.
      xmpp: { service: prosody!.service.replace("127.0.0.1", "localhost"), jid: "agent@localhost", password: "agent-pw", tls: "off" },
      devices: [
        { id: "greenhouse", driver: "simulated", intervalMs: 200, channels: { temperature: { unit: "Cel", min: 15, max: 30 } } },
        { id: "meter", driver: "serial", path: pty!.a, baudRate: 9600, format: "json", channels: { temperature: { unit: "Cel" } } },
      ],
      outbox: { path: join(scratch, "outbox") },
      log: { level: "info" },
    }));
    const listener = await listenNotify(join(scratch, "notify.sock"));
    const trace = join(scratch, "strace.txt");
    const child = spawn("strace", ["-f", "-qq", "-s", "0", "-o", trace, process.execPath, CLI, "run", "--config", config], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "1000000" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await listener.waitFor((m) => m.some((x) => x.data.includes("READY=1")), 60_000);
      const device = await pty!.device();
      for (let i = 0; i < 5; i++) {
        device.write(`{"temperature": ${20 + i}}\n`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // SIGHUP: shutdown, STOPPING=1, then death by the re-raised signal (strace reports it).
      // strace is the child; the agent's PID is the MAINPID= it announced with READY=1.
      const agentPid = /MAINPID=(\d+)/.exec(listener.messages.map((m) => m.data).join("\n"))?.[1];
      expect(agentPid).toBeDefined();
      process.kill(Number(agentPid), "SIGHUP");
      await exited;
    } finally {
      listener.close();
    }
    expect(stderr).toContain("agent stopped");

    const lines = readFileSync(trace, "utf8").split("\n");
    const used = new Set(lines.map((line) => /^\d+\s+([a-z_0-9]+)\(/.exec(line)?.[1]).filter((name) => name !== undefined));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((name) => !allowed.has(name))).toEqual([]);

    // RestrictAddressFamilies= of the unit must cover every socket family the run opened.
    const families = new Set(lines.map((line) => /^\d+\s+socket\((AF_\w+)/.exec(line)?.[1]).filter((f) => f !== undefined));
    const restrict = /^RestrictAddressFamilies=(.*)$/m.exec(readFileSync(UNIT, "utf8"))?.[1]?.split(/\s+/) ?? [];
    expect(families.has("AF_INET") || families.has("AF_INET6")).toBe(true);
    expect([...families].filter((family) => !restrict.includes(family))).toEqual([]);
  }, 120_000);
});
