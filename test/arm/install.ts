import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Installed {
  /** The image root: etc/, opt/xmpp-iot, usr/local/bin/node, var/lib/xmpp-iot. */
  readonly root: string;
  /** The unit's ExecStart, word by word, with the paths as they are inside the image. */
  readonly execStart: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
}

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 600_000, ...options });
  const out = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${out.slice(-3000)}`);
  return out;
}

/** `npm run bundle` into dir (dist must be built): returns the tarball path. */
export function buildBundle(repo: string, dir: string): string {
  const out = run(process.execPath, [join(repo, "scripts/bundle.mjs"), "--skip-build", "--out", dir], { cwd: repo });
  const tarball = readdirSync(dir).find((f) => /^xmpp-iot-.*\.tar\.gz$/.test(f));
  if (!tarball) throw new Error(`no bundle tarball in ${dir}: ${out}`);
  return join(dir, tarball);
}

/**
 * Installs the bundle the way a Pi does (docs/deployment.md): unpack it, put the target's Node in
 * /usr/local (as firstboot.sh does from a boot-partition tarball) and run the bundle's own
 * systemd/install.sh into the image root.
 */
export function installBundle(tarball: string, nodeDir: string, root: string, seed: object, password: string): Installed {
  const unpacked = join(root, "..", `unpacked-${root.split("/").pop() ?? "root"}`);
  mkdirSync(unpacked, { recursive: true });
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\ngpio:x:997:\n");
  run("tar", ["-xzf", tarball, "-C", unpacked, "--no-same-owner"]);
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  cpSync(join(nodeDir, "bin/node"), join(root, "usr/local/bin/node"));
  const seedFile = join(unpacked, "seed.json");
  const passwordFile = join(unpacked, "password");
  writeFileSync(seedFile, JSON.stringify(seed));
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  run("/bin/bash", [join(unpacked, "xmpp-iot/systemd/install.sh"), "--root", root, "--node", "/usr/local/bin/node", "--config", seedFile, "--password-file", passwordFile, "--no-enable"], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
  });
  const unit = readFileSync(join(root, "etc/systemd/system/xmpp-iot.service"), "utf8");
  const execLine = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  if (!execLine) throw new Error("the installed unit has no ExecStart");
  const environment = Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
  return { root, execStart: execLine.trim().split(/\s+/), environment };
}

/**
 * The installed config with its absolute paths moved into the image root (the unit would see
 * them at / on the Pi): the password file and the outbox in the StateDirectory.
 */
export function rootedConfig(installed: Installed): string {
  const file = join(installed.root, "etc/xmpp-iot/config.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as { xmpp: { passwordFile?: string }; outbox?: { path: string } };
  if (config.xmpp.passwordFile) config.xmpp.passwordFile = join(installed.root, config.xmpp.passwordFile);
  if (config.outbox) {
    config.outbox.path = join(installed.root, config.outbox.path);
    mkdirSync(config.outbox.path, { recursive: true });
  }
  const out = join(installed.root, "etc/xmpp-iot/config.rooted.json");
  writeFileSync(out, JSON.stringify(config, null, 2));
  return out;
}
