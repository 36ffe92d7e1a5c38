// The bundle on ARM (scripts/arm-test.sh): builds the bundle, installs it into an image root the way
// a Pi does, and runs the installed agent under qemu-user emulation as arm64 and armv7l against a
// private Prosody, with a serial device on a socat PTY (the ARM serialport prebuild must load) and a
// simulated device; an independent slixmpp subscriber must receive both. Prints start-up time and
// memory per target and ends with one line "arm-test: PASSED ..." or "arm-test: FAILED ...".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { emulate, idleNodeMemory, memoryOf, spawnLines, startPty, type LineProcess } from "./agent-run.js";
import { buildBundle, installBundle, rootedConfig } from "./install.js";
import { armNode, cacheDir, missingTools, TARGETS, type ArmTarget } from "./targets.js";

// dist/test/arm/run.js -> the repository (the script runs the compiled file).
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SUBSCRIBER = join(REPO, "test/harness/slixmpp_subscriber.py");
const PASSWORDS = { agent: "arm-agent-pw", bob: "arm-bob-pw" };
// Emulation on a loaded 2-core CI machine: start-up measured at 16-60 s; these are bounds, not targets.
const START_TIMEOUT_MS = 300_000;
const READINGS_TIMEOUT_MS = 240_000;

interface Result { readonly target: ArmTarget; readonly ok: boolean; readonly summary: string }

const log = (text: string): void => console.log(`arm-test: ${text}`);

async function runTarget(target: ArmTarget, prosody: ProsodyServer, tarball: string, scratch: string): Promise<Result> {
  const missing = missingTools(target);
  if (missing) return { target, ok: false, summary: `emulator or sysroot missing; ${missing}` };
  const nodeDir = armNode(target, cacheDir(REPO));
  const arch = emulate(target.qemu, target.sysroot, join(nodeDir, "bin/node"), "console.log(process.arch, process.version)");
  if (arch.status !== 0 || !arch.out.startsWith(`${target.arch} `)) return { target, ok: false, summary: `the emulated node did not run: ${arch.out.slice(-500)}` };
  log(`${target.label}: node ${arch.out} under ${target.qemu.split("/").pop()}`);

  const pty = await startPty();
  const prefix = `${target.arch}/`;
  const seed = {
    name: `pi-${target.arch}`,
    xmpp: { service: prosody.service, jid: "agent@localhost", password: PASSWORDS.agent, resource: target.arch, tls: "off" },
    pubsub: { service: prosody.pubsubJid, nodePrefix: prefix },
    acl: { admins: [], readers: ["bob@localhost"] },
    devices: [
      { id: "meter", driver: "serial", path: pty.a, baudRate: 9600, format: "json", channels: { temperature: { unit: "Cel" } } },
      { id: "sim", driver: "simulated", intervalMs: 1000, channels: { level: { unit: "%", min: 10, max: 90 } } },
    ],
    log: { level: "info" },
  };
  const root = join(scratch, `root-${target.arch}`);
  const installed = installBundle(tarball, nodeDir, root, seed, PASSWORDS.agent);
  const config = rootedConfig(installed);
  // ExecStart as the unit has it (node flags included), with the image's paths below root.
  const [node = "", ...rest] = installed.execStart;
  const args = rest.map((word) => (word.startsWith("/") ? join(root, word) : word));
  args[args.indexOf("--config") + 1] = config;
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: root, ...installed.environment };
  const started = Date.now();
  const agent = spawnLines(target.qemu, ["-L", target.sysroot, join(root, node), ...args], env, root);
  let subscriber: LineProcess | undefined;
  let writer: NodeJS.Timeout | undefined;
  try {
    let n = 0;
    writer = setInterval(() => pty.write(`{"temperature":${(20 + (n++ % 10) / 2).toFixed(1)}}\n`), 500);
    await agent.waitFor((l) => l["msg"] === "agent started", "agent started", START_TIMEOUT_MS);
    const startupS = (Date.now() - started) / 1000;
    const nodes = [`${prefix}meter/temperature`, `${prefix}sim/level`];
    for (const node of nodes) await agent.waitFor((l) => l["msg"] === "pubsub node ready" && l["node"] === node, `node ${node}`, READINGS_TIMEOUT_MS);
    const firstS = (Date.now() - started) / 1000;
    subscriber = spawnLines("/usr/bin/python3", [SUBSCRIBER, "--jid", "bob@localhost", "--port", String(prosody.port), "--service", prosody.pubsubJid,
      ...nodes.flatMap((node) => ["--node", node]), "--timeout", String(READINGS_TIMEOUT_MS / 1000), "--no-tls"], { ...process.env, SUBSCRIBER_PASSWORD: PASSWORDS.bob });
    const ready = await subscriber.waitFor((l) => "subscribed" in l, "slixmpp subscribed", 60_000);
    if (JSON.stringify(ready["subscribed"]) !== JSON.stringify(nodes)) throw new Error(`subscriber could not subscribe: ${JSON.stringify(subscriber.lines)}`);
    const serial = await subscriber.waitFor((l) => l["node"] === nodes[0], "a serial reading at the subscriber", READINGS_TIMEOUT_MS);
    const simulated = await subscriber.waitFor((l) => l["node"] === nodes[1], "a simulated reading at the subscriber", READINGS_TIMEOUT_MS);
    const serialOk = serial["u"] === "Cel" && typeof serial["v"] === "number" && serial["v"] >= 20 && serial["v"] <= 24.5;
    const simOk = simulated["u"] === "%" && typeof simulated["v"] === "number" && simulated["v"] >= 10 && simulated["v"] <= 90;
    if (!serialOk || !simOk) throw new Error(`unexpected records: ${JSON.stringify([serial, simulated])}`);
    // Let the agent settle (a few more readings) before sampling its memory.
    await subscriber.waitFor(() => subscriber!.lines.filter((l) => "n" in l).length >= 6, "six records", READINGS_TIMEOUT_MS);
    const memory = agent.child.pid !== undefined ? memoryOf(agent.child.pid) : undefined;
    const bindings = join(root, "opt/xmpp-iot/node_modules/@serialport/bindings-cpp");
    const prebuild = emulate(target.qemu, target.sysroot, join(root, node),
      `console.log(require(${JSON.stringify(join(root, "opt/xmpp-iot/node_modules/node-gyp-build"))}).path(${JSON.stringify(bindings)}).split("/prebuilds/")[1])`);
    const idle = await idleNodeMemory(target.qemu, target.sysroot, join(root, node), args.filter((a) => a.startsWith("--") && !a.startsWith("--config")));
    const memoryText = memory
      ? `RSS ${memory.rssMiB.toFixed(0)} MiB (peak ${memory.peakMiB.toFixed(0)} MiB) of the emulator process${idle ? `, an idle emulated node with the same flags ${idle.rssMiB.toFixed(0)} MiB` : ""}`
      : "memory not readable";
    return {
      target, ok: true,
      summary: `start-up ${startupS.toFixed(1)} s to "agent started", ${firstS.toFixed(1)} s to both nodes published; ${memoryText}; serial ${serial["v"]} Cel via prebuild ${prebuild.out}, simulated ${simulated["v"]} % received by slixmpp`,
    };
  } catch (error) {
    return { target, ok: false, summary: `${error instanceof Error ? error.message : String(error)}; agent log tail: ${JSON.stringify(agent.lines.slice(-8)).slice(0, 3000)}` };
  } finally {
    clearInterval(writer);
    const exit = await agent.stop();
    if (exit !== "0") log(`${target.label}: agent exited with ${exit} after SIGTERM`);
    await subscriber?.stop(5000);
    await pty.close();
  }
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-arm-"));
  let prosody: ProsodyServer | undefined;
  const results: Result[] = [];
  try {
    const tarball = buildBundle(REPO, join(scratch, "out"));
    log(`bundle ${tarball.split("/").pop()} built`);
    prosody = await startProsody({ pubsubAdmins: ["agent@localhost"] });
    prosody.register("agent", PASSWORDS.agent);
    prosody.register("bob", PASSWORDS.bob);
    for (const target of TARGETS) {
      const result = await runTarget(target, prosody, tarball, scratch);
      log(`${target.label}: ${result.ok ? "ok" : "FAILED"}: ${result.summary}`);
      results.push(result);
    }
  } catch (error) {
    results.push({ target: TARGETS[0]!, ok: false, summary: error instanceof Error ? error.message : String(error) });
    log(`setup FAILED: ${results.at(-1)?.summary}`);
  } finally {
    await prosody?.stop();
    prosody?.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0 && results.length === TARGETS.length) {
    log(`PASSED ${results.map((r) => r.target.arch === "arm" ? "armv7l" : r.target.arch).join(" and ")}: the bundle's agent ran and a subscriber received serial and simulated readings`);
    return 0;
  }
  log(`FAILED ${failed.map((r) => r.target.label).join(", ")}`);
  return 1;
}

process.exitCode = await main();
