import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What install.sh does with the config and its secrets, run for real against scratch roots with
// the compiled CLI (`npm run build` first): check before writing, every secret and named file
// moved under /etc/xmpp-iot, a changed --config replaced with a dated backup.
const REPO = fileURLToPath(new URL("../..", import.meta.url));
let scratch: string;
let app: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-install-config-"));
  app = join(scratch, "app");
  mkdirSync(join(app, "dist"), { recursive: true });
  cpSync(join(REPO, "dist/xmpp-iot.mjs"), join(app, "dist/xmpp-iot.mjs"));
  writeFileSync(join(app, "package.json"), '{"name":"xmpp-iot"}\n');
  writeFileSync(join(app, "package-lock.json"), '{"packages":{"":{}}}\n');
  cpSync(join(REPO, "systemd"), join(app, "systemd"), { recursive: true });
  cpSync(join(REPO, "config.example.json"), join(app, "config.example.json"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function install(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; stderr: string } {
  const result = spawnSync("/bin/bash", [join(app, "systemd/install.sh"), ...args], {
    encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}`, stderr: result.stderr };
}

/** A user's files where people keep them: beside the config, under /tmp (PrivateTmp hides it). */
function userFiles(name: string): { dir: string; config: (extra?: object) => string } {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "pw"), "xmpp-secret-1\n");
  writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nxmpp\n-----END CERTIFICATE-----\n");
  writeFileSync(join(dir, "mqtt-ca.pem"), "-----BEGIN CERTIFICATE-----\nmqtt\n-----END CERTIFICATE-----\n");
  let n = 0;
  return {
    dir,
    config(extra = {}) {
      const file = join(dir, `config-${n++}.json`);
      writeFileSync(file, JSON.stringify({
        name: "shed",
        xmpp: { jid: "shed@example.org", passwordFile: join(dir, "pw"), caFile: join(dir, "ca.pem") },
        mqtt: { url: "mqtts://broker.example.org:8883", username: "shed", password: "mqtt-secret-1", caFile: join(dir, "mqtt-ca.pem") },
        devices: [{ id: "g", driver: "simulated", channels: { t: { unit: "Cel" } } }],
        ...extra,
      }, null, 2));
      return file;
    },
  };
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("install.sh: the config and its secrets", () => {
  it("moves every secret and named file under /etc/xmpp-iot, creating --root, and the config names them", () => {
    const files = userFiles("moves");
    const root = join(scratch, "moves-root/does/not/exist");
    const { status, out } = install(["--root", root, "--config", files.config()]);
    expect(out).toContain("installed into");
    expect(status).toBe(0);
    const etc = join(root, "etc/xmpp-iot");
    const text = readFileSync(join(etc, "config.json"), "utf8");
    const config = JSON.parse(text) as { xmpp: Record<string, unknown>; mqtt: Record<string, unknown> };
    expect(config.xmpp).toMatchObject({ passwordFile: "/etc/xmpp-iot/password", caFile: "/etc/xmpp-iot/xmpp-ca.pem" });
    expect(config.mqtt).toMatchObject({ passwordFile: "/etc/xmpp-iot/mqtt-password", caFile: "/etc/xmpp-iot/mqtt-ca.pem" });
    expect(config.mqtt["password"]).toBeUndefined();
    expect(text).not.toContain("secret");
    expect(text).not.toContain(files.dir);
    expect(readFileSync(join(etc, "password"), "utf8")).toBe("xmpp-secret-1\n");
    expect(readFileSync(join(etc, "mqtt-password"), "utf8")).toBe("mqtt-secret-1\n");
    expect(readFileSync(join(etc, "xmpp-ca.pem"), "utf8")).toContain("xmpp");
    expect(readFileSync(join(etc, "mqtt-ca.pem"), "utf8")).toContain("mqtt");
    for (const name of ["config.json", "password", "mqtt-password", "xmpp-ca.pem", "mqtt-ca.pem"]) expect(mode(join(etc, name))).toBe("640");
    expect(out).toContain("mqtt.password: moved out of the config into /etc/xmpp-iot/mqtt-password");
    expect(out).not.toContain("mqtt-secret-1");
  });

  it("refuses a config that fails the check, with the check's lines, exit 78 and nothing written", () => {
    const files = userFiles("refuses");
    const root = join(scratch, "refuses-root");
    const config = files.config({ devices: [{ id: "g", driver: "simulated", channels: { t: { unit: "Cel", validMin: 30, validMax: 10 } } }], acl: { admins: ["alice@example.org"], colour: "red" } });
    const { status, stderr } = install(["--root", root, "--config", config]);
    expect(status).toBe(78);
    expect(stderr).toContain("acl.colour: unknown key");
    expect(stderr).toContain(`${config} fails 'xmpp-iot check' (lines above); nothing was installed`);
    expect(existsSync(root)).toBe(false);
  });

  it("refuses a config naming a file that does not exist, naming the field", () => {
    const files = userFiles("missing");
    const root = join(scratch, "missing-root");
    const config = files.config();
    rmSync(join(files.dir, "ca.pem"));
    const { status, stderr } = install(["--root", root, "--config", config]);
    expect(status).toBe(1);
    expect(stderr).toContain(`xmpp.caFile: cannot read ${join(files.dir, "ca.pem")} (no such file)`);
    expect(existsSync(root)).toBe(false);
  });

  it("a different --config replaces the installed one and keeps it as a dated backup; the same one changes nothing", () => {
    const files = userFiles("replace");
    const root = join(scratch, "replace-root");
    expect(install(["--root", root, "--config", files.config()]).status).toBe(0);
    const etc = join(root, "etc/xmpp-iot");
    const first = readFileSync(join(etc, "config.json"), "utf8");

    let result = install(["--root", root, "--config", files.config()]);
    expect(result.status).toBe(0);
    expect(result.out).toContain("/etc/xmpp-iot/config.json is unchanged");
    expect(readdirSync(etc).filter((n) => n.includes(".bak-"))).toEqual([]);

    writeFileSync(join(files.dir, "pw"), "xmpp-secret-2\n");
    result = install(["--root", root, "--config", files.config({ name: "barn" })]);
    expect(result.status).toBe(0);
    expect(result.out).not.toContain("kept the existing");
    expect(result.out).toMatch(/replaced \/etc\/xmpp-iot\/config\.json \(the previous one is config\.json\.bak-\d{8}T\d{6}Z\)/);
    expect(JSON.parse(readFileSync(join(etc, "config.json"), "utf8"))).toMatchObject({ name: "barn" });
    const backups = readdirSync(etc).filter((n) => n.includes(".bak-")).sort();
    expect(backups).toEqual([expect.stringMatching(/^config\.json\.bak-/), expect.stringMatching(/^password\.bak-/)]);
    expect(readFileSync(join(etc, backups[0]!), "utf8")).toBe(first);
    expect(readFileSync(join(etc, backups[1]!), "utf8")).toBe("xmpp-secret-1\n");
    expect(readFileSync(join(etc, "password"), "utf8")).toBe("xmpp-secret-2\n");
    for (const name of backups) expect(mode(join(etc, name))).toBe("640");
  });

  it("--mqtt-password-file wins over the config; a config without an MQTT password gets none", () => {
    const files = userFiles("mqttpw");
    const root = join(scratch, "mqttpw-root");
    writeFileSync(join(files.dir, "mqtt-pw"), "mqtt-from-flag\n");
    expect(install(["--root", root, "--config", files.config(), "--mqtt-password-file", join(files.dir, "mqtt-pw")]).status).toBe(0);
    expect(readFileSync(join(root, "etc/xmpp-iot/mqtt-password"), "utf8")).toBe("mqtt-from-flag\n");
    expect(readFileSync(join(root, "etc/xmpp-iot/config.json"), "utf8")).not.toContain("mqtt-secret-1");
    const anonymous = files.config({ mqtt: { url: "mqtt://127.0.0.1:1883" } });
    expect(install(["--root", root, "--config", anonymous]).status).toBe(0);
    expect(JSON.parse(readFileSync(join(root, "etc/xmpp-iot/config.json"), "utf8")).mqtt).toEqual({ url: "mqtt://127.0.0.1:1883" });
  });

  it("without any password, installs an empty password file and says to fill it", () => {
    const root = join(scratch, "nopw-root");
    const { status, out } = install(["--root", root]);
    expect(status).toBe(0);
    expect(out).toContain("warning: no xmpp password given: write it into /etc/xmpp-iot/password before starting the service");
    expect(readFileSync(join(root, "etc/xmpp-iot/password"), "utf8")).toBe("");
  });
});

describe("await-active.sh (firstboot's report on the boot partition)", () => {
  // No systemd runs as PID 1 here: fake systemctl and journalctl on PATH play the unit's states.
  function fakeSystemd(states: string[]): string {
    const bin = mkdtempSync(join(scratch, "bin-"));
    writeFileSync(join(bin, "states"), `${states.join("\n")}\n`);
    writeFileSync(join(bin, "systemctl"), `#!/bin/bash
if [ "$1" = show ]; then echo exit-code; exit 0; fi
state="$(head -n 1 "${bin}/states")"; [ "$(wc -l <"${bin}/states")" -gt 1 ] && sed -i 1d "${bin}/states"
echo "$state"; [ "$state" = active ]
`);
    writeFileSync(join(bin, "journalctl"), `#!/bin/sh\necho "xmpp-iot[42]: xmpp-iot: invalid configuration (1 problem)"\necho "systemd[1]: xmpp-iot.service: Failed with result 'exit-code'."\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
    chmodSync(join(bin, "journalctl"), 0o755);
    return bin;
  }
  const wait = (bin: string, seconds: string) => spawnSync("/bin/bash", [join(REPO, "systemd/await-active.sh"), "xmpp-iot.service", seconds], {
    encoding: "utf8", timeout: 60_000, env: { PATH: `${bin}:/usr/bin:/bin` },
  });

  it("reports active once the unit is up", () => {
    const result = wait(fakeSystemd(["activating", "activating", "active"]), "30");
    expect(result.stdout).toBe("xmpp-iot.service is active (after 4s)\n");
    expect(result.status).toBe(0);
  });

  it("reports failed with the journal's last lines", () => {
    const result = wait(fakeSystemd(["activating", "failed"]), "30");
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("xmpp-iot.service failed (after 2s): exit-code");
    expect(result.stdout).toContain("xmpp-iot: invalid configuration (1 problem)");
  });

  it("gives up after the bound, saying so, with the journal's lines", () => {
    const result = wait(fakeSystemd(["activating"]), "4");
    expect(result.status).toBe(2);
    expect(result.stdout).toContain("xmpp-iot.service is still 'activating' after 4s");
    expect(result.stdout).toContain("Failed with result");
  });
});
