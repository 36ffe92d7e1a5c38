import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = join(ROOT, "dist/src/mqtt");

/**
 * A fresh node (the module cache is per process; killed after 20 s if a PUBACK never comes) runs the agent's MQTT client against a real
 * Mosquitto: 200 QoS 1 publishes, each acknowledged, and says which `debug` mqtt.js and
 * mqtt-packet got.
 */
const CHILD = `
import { createRequire } from "node:module";
import pino from "pino";
import { createMqttClient } from ${JSON.stringify(join(DIST, "client.js"))};
import { QUIET_DEBUG } from ${JSON.stringify(join(DIST, "quiet-debug.js"))};
const client = createMqttClient({ log: pino({ level: "silent" }) }, { url: process.argv[1], clientId: "quiet-debug-test", keepaliveS: 30, connectTimeoutMs: 5000, reconnectMinMs: 500, reconnectMaxMs: 1000, statusTopic: "quiet/status", protocolVersion: 4 });
const controller = new AbortController();
client.start(controller.signal);
if (!(await client.waitOnline(10000))) throw new Error("broker not reachable");
let acked = 0;
await new Promise((resolve, reject) => {
  for (let i = 0; i < 200; i++) client.publishWithCallback("quiet/" + (i % 10), JSON.stringify({ v: i }), { qos: 1, retain: false }, (error) => error ? reject(error) : ++acked === 200 && resolve());
});
const require = createRequire(process.cwd() + "/");
const fromMqtt = createRequire(require.resolve("mqtt"));
const paths = [fromMqtt.resolve("debug"), createRequire(fromMqtt.resolve("mqtt-packet")).resolve("debug")];
const quiet = paths.map((p) => require.cache[p]?.exports?.[QUIET_DEBUG] === true);
await client.stop();
controller.abort();
console.log(JSON.stringify({ acked, quiet }));
`;

function runChild(url: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, url], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("close", (code) => resolve({ stdout, stderr, code }));
  });
}

describe("mqtt.js's debug logging", () => {
  let broker: Mosquitto;
  beforeAll(async () => { broker = await startMosquitto(); });
  afterAll(async () => { await broker?.stop(); });

  it("is a stand-in that does nothing when DEBUG is not set, and every publish is still acknowledged", async () => {
    const { DEBUG: _unset, ...env } = process.env;
    const { stdout, stderr, code } = await runChild(broker.url, env);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ acked: 200, quiet: [true, true] });
    expect(stderr).not.toContain("mqttjs");
  }, 30_000);

  it("is mqtt.js's own with DEBUG=mqttjs*, which then logs", async () => {
    const { stdout, stderr, code } = await runChild(broker.url, { ...process.env, DEBUG: "mqttjs*" });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ acked: 200, quiet: [false, false] });
    expect(stderr).toContain("mqttjs:client");
  }, 30_000);
});
