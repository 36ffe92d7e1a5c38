import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prosodyInstalled, startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { listenNotify, type NotifyListener } from "./notify-listener.js";

// The whole path a user takes: their config and password file in a temp directory, install.sh from
// this checkout into a scratch root, then the installed agent started the way systemd starts the
// installed unit: its ExecStart word for word, its Environment=, User=/Group=/SupplementaryGroups=,
// WorkingDirectory=, UMask= and NOTIFY_SOCKET, with the paths the service sees. The service's view
// is a chroot into the scratch root (in a private mount namespace, so nothing outside changes) with
// the host's /usr bind-mounted read-only, an empty /tmp (PrivateTmp=yes) and no /home
// (ProtectHome=yes). Needs root (unshare, chroot, setpriv) and Prosody; `npm run build` first.
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const isRoot = process.getuid?.() === 0;
let scratch: string;
let root: string;
let prosody: ProsodyServer | undefined;
let userConfig: string;
const children: ChildProcess[] = [];

function sh(command: string, args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env } });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-installed-"));
  if (!isRoot || !prosodyInstalled()) return;
  prosody = await startProsody({ tls: true, pubsubAdmins: ["agent@localhost"] });
  prosody.register("agent", "agent-pw-9");
  prosody.register("bob", "bob-pw-9");
  // Where a user keeps things before installing: all of it under /tmp, which PrivateTmp hides.
  const mine = join(scratch, "mine");
  mkdirSync(mine);
  writeFileSync(join(mine, "password"), "agent-pw-9\n");
  userConfig = join(mine, "shed.json");
  writeFileSync(userConfig, JSON.stringify({
    name: "shed",
    xmpp: { service: prosody.service, jid: "agent@localhost", passwordFile: join(mine, "password"), caFile: prosody.certificateFile },
    pubsub: { service: prosody.pubsubJid },
    acl: { admins: [], readers: ["bob@localhost"] },
    devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 500, channels: { temperature: { unit: "Cel", min: 15, max: 30 } } }],
    outbox: { path: "./outbox" },
    log: { level: "info" },
  }, null, 2));
  // An image root (its own passwd and group); "/" must be traversable by the service user.
  root = join(scratch, "root");
  mkdirSync(join(root, "etc"), { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\ngpio:x:997:\n");
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await prosody?.stop();
  prosody?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

/** `Key=value` lines of the installed unit's [Service] section, in order. */
function unitSettings(text: string): Array<[string, string]> {
  return text.split("\n").filter((l) => /^[A-Z][A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}
const idOf = (file: string, name: string): number => Number(readFileSync(join(root, "etc", file), "utf8").split("\n").find((l) => l.startsWith(`${name}:`))?.split(":")[2]);

/**
 * A shell script that sets up the service's view inside `unshare --mount` and execs `command`
 * (argv, already split) there as the unit's user, so the PID the test holds is the agent's.
 */
function asTheUnit(command: readonly string[], env: Readonly<Record<string, string>>): string {
  const unit = unitSettings(readFileSync(join(root, "etc/systemd/system/xmpp-iot.service"), "utf8"));
  const get = (key: string): string[] => unit.filter(([k]) => k === key).map(([, v]) => v);
  const user = get("User")[0]!;
  const uid = idOf("passwd", user);
  const gid = idOf("group", get("Group")[0]!);
  const groups = get("SupplementaryGroups").join(" ").split(/\s+/).filter(Boolean).map((g) => idOf("group", g));
  const unitEnv = Object.fromEntries(get("Environment").map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  // What systemd.exec(5) gives a User= service, then the unit's Environment=, then the notify socket.
  const environment = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", HOME: `/var/lib/${user}`, USER: user, LOGNAME: user, SHELL: "/usr/sbin/nologin", ...unitEnv, ...env };
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  return [
    "set -e",
    `R=${q(root)}`,
    // Host directories the service needs, read-only: the usr-merged /usr and its top-level links.
    'mkdir -p "$R/usr" "$R/proc" "$R/dev" "$R/tmp" "$R/run" "$R/home"',
    "for d in bin sbin lib lib64; do if [ -L /$d ] && [ ! -L \"$R/$d\" ]; then ln -s \"$(readlink /$d)\" \"$R/$d\"; fi; done",
    'mount --bind /usr "$R/usr" && mount -o remount,bind,ro "$R/usr"',
    'mount --bind /dev "$R/dev"',
    'mount -t proc proc "$R/proc"',
    'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"', // PrivateTmp=yes
    'mount -t tmpfs -o mode=0755 tmpfs "$R/home"', // ProtectHome=yes
    `umask ${get("UMask")[0] ?? "0022"}`,
    `exec chroot "$R" /usr/bin/setpriv --reuid=${uid} --regid=${gid} --groups=${groups.join(",")} --inh-caps=-all --no-new-privs ` +
      `/usr/bin/env -i ${Object.entries(environment).map(([k, v]) => q(`${k}=${v}`)).join(" ")} ` +
      `/bin/sh -c ${q(`cd ${get("WorkingDirectory")[0]} && exec "$@"`)} sh ${command.map(q).join(" ")}`,
  ].join("\n");
}

function runAsTheUnit(command: readonly string[], env: Readonly<Record<string, string>> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn("unshare", ["--mount", "--propagation", "private", "/bin/bash", "-c", asTheUnit(command, env)], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

describe.skipIf(!isRoot || !prosodyInstalled())("installed agent, started as the unit starts it", () => {
  it("installs from this checkout: production packages only, every path in the config under /etc or /var/lib", () => {
    const installed = sh("/bin/bash", [join(REPO, "systemd/install.sh"), "--root", root, "--config", userConfig]);
    expect(installed.out).toContain("installed into");
    expect(installed.status).toBe(0);
    for (const dev of ["typescript", "vitest", "rolldown", "@types/chai"]) expect(existsSync(join(root, "opt/xmpp-iot/node_modules", dev))).toBe(false);
    for (const pkg of ["@xmpp/client", "pino", "serialport", "zod", "mqtt"]) expect(existsSync(join(root, "opt/xmpp-iot/node_modules", pkg, "package.json"))).toBe(true);
    expect(existsSync(join(root, "opt/xmpp-iot/dist/test"))).toBe(false);
    const size = sh("du", ["-sm", join(root, "opt/xmpp-iot")]).out.split("\t")[0];
    console.log(`installed app: ${size} MB (${installed.out.match(/copy-app: .*/)?.[0]})`);
    expect(Number(size)).toBeLessThan(60);
    const config = readFileSync(join(root, "etc/xmpp-iot/config.json"), "utf8");
    expect(config).not.toContain(scratch);
    expect(JSON.parse(config)).toMatchObject({
      xmpp: { passwordFile: "/etc/xmpp-iot/password", caFile: "/etc/xmpp-iot/xmpp-ca.pem" },
      outbox: { path: "/var/lib/xmpp-iot/outbox" },
    });
    // systemd's StateDirectory=xmpp-iot, StateDirectoryMode=0750: made at start, owned by the user.
    mkdirSync(join(root, "var/lib"), { recursive: true, mode: 0o755 });
    mkdirSync(join(root, "var/lib/xmpp-iot"), { mode: 0o750 });
    chownSync(join(root, "var/lib/xmpp-iot"), idOf("passwd", "xmpp-iot"), idOf("group", "xmpp-iot"));
  }, 120_000);

  it("the service's view is faithful: the user's original config cannot be read there (its files are in /tmp)", async () => {
    writeFileSync(join(root, "etc/xmpp-iot/original.json"), readFileSync(userConfig));
    chmodSync(join(root, "etc/xmpp-iot/original.json"), 0o644);
    const exec = execStart();
    const check = runAsTheUnit([exec[0]!, exec.find((w) => w.endsWith("xmpp-iot.mjs"))!, "check", "--config", "/etc/xmpp-iot/original.json"]);
    const code = await check.exited;
    expect(check.output()).toContain("xmpp.passwordFile: cannot read /tmp/");
    expect(code).toBe(78);
    rmSync(join(root, "etc/xmpp-iot/original.json"));
  }, 60_000);

  it("runs the unit's ExecStart as its user, reports READY=1, and a reading reaches a subscriber", async () => {
    const sockDir = join(root, "run/systemd");
    mkdirSync(sockDir, { recursive: true });
    const listener: NotifyListener = await listenNotify(join(sockDir, "notify"));
    chmodSync(join(sockDir, "notify"), 0o777);
    const agent = runAsTheUnit(execStart(), { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "30000000" });
    try {
      await listener.waitFor((m) => m.some((x) => x.data.includes("READY=1")), 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\nagent output:\n${agent.output().slice(-3000)}`);
      });
      // READY=1 comes once the devices run; the connection follows in the background.
      await listener.waitFor((m) => m.some((x) => x.data.includes("STATUS=online")), 60_000);
      expect(agent.output()).toContain('"xmpp online"');
      expect(agent.output()).not.toContain("agent-pw-9");

      // bob, a reader in the installed config's ACL, subscribes with the compiled CLI's watch.
      writeFileSync(join(scratch, "bob-pw"), "bob-pw-9\n");
      const watch = spawn(process.execPath, [join(REPO, "dist/xmpp-iot.mjs"), "watch", "--jid", "bob@localhost", "--service", prosody!.service,
        "--pubsub", prosody!.pubsubJid, "--ca", prosody!.certificateFile!, "--password-file", join(scratch, "bob-pw"), "--json"], { stdio: ["ignore", "pipe", "pipe"] });
      children.push(watch);
      const reading = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no reading within 60 s; watch printed:\n${out}`)), 60_000);
        const take = (c: Buffer): void => {
          out += c.toString();
          const line = out.split("\n").find((l) => l.startsWith("{"));
          if (line) { clearTimeout(timer); resolve(JSON.parse(line) as Record<string, unknown>); }
        };
        watch.stdout!.on("data", take);
        watch.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      });
      watch.kill("SIGTERM");
      expect(agent.output()).not.toContain("agent-pw-9");
      expect(reading).toMatchObject({ device: "greenhouse", channel: "temperature", unit: "Cel" });
      expect(typeof reading["value"]).toBe("number");
      console.log(`reading from the installed agent: ${JSON.stringify(reading)}`);
      // The outbox is where the unit allows writes, owned by the service user.
      expect(lstatSync(join(root, "var/lib/xmpp-iot/outbox")).uid).toBe(idOf("passwd", "xmpp-iot"));
    } finally {
      agent.child.kill("SIGTERM");
      const code = await agent.exited;
      listener.close();
      expect(code, agent.output().slice(-3000)).toBe(0);
    }
    expect(listener.messages.map((m) => m.data)).toContain("STOPPING=1\nSTATUS=shutting down");
  }, 180_000);
});

/** The installed unit's ExecStart, split into words (it has no quoting). */
function execStart(): string[] {
  const line = unitSettings(readFileSync(join(root, "etc/systemd/system/xmpp-iot.service"), "utf8")).find(([k]) => k === "ExecStart")![1];
  return line.split(/\s+/);
}
