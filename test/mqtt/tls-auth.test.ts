import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { connectAsync } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { isIotError } from "../../src/errors/catalog.js";
import { createLogger } from "../../src/logging/log.js";
import { createMqttClient } from "../../src/mqtt/client.js";
import { mqttClientOptions } from "../../src/mqtt/options.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { eventually } from "../harness/wait.js";

const PASSWORD = "mqtt-s3cret-pw";

/** A private CA and a broker certificate for 127.0.0.1, made with the openssl CLI. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]): void => { execFileSync("openssl", args, { cwd: dir, stdio: "pipe" }); };
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=xmpp-iot test CA", "-keyout", "ca.key", "-out", "ca.pem");
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem");
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: "debug" }, new Writable({ write(chunk: Buffer, _e, done) { lines.push(...chunk.toString().split("\n").filter(Boolean)); done(); } }));
  return { log, lines };
}

const baseConfig = { xmpp: { jid: "agent@localhost", password: "x", tls: "off" as const }, name: "tlspi" };

describe("MQTT over TLS with a private CA, username and passwordFile", () => {
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  let broker: Mosquitto;
  let passwordFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "xmpp-iot-mqtt-tls-"));
    certs = makeCertificates(dir);
    passwordFile = join(dir, "mqtt-password");
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    broker = await startMosquitto({ tls: { certFile: certs.cert, keyFile: certs.key }, users: { agent: PASSWORD, watcher: "watcher-pw" } });
  }, 60_000);

  afterAll(async () => {
    await broker?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("connects with caFile + username + passwordFile and publishes its status", async () => {
    const { config } = parseConfig({ ...baseConfig, mqtt: { url: broker.url, caFile: certs.ca, username: "agent", passwordFile } }, {});
    const { log, lines } = capture();
    const client = createMqttClient({ log }, mqttClientOptions(config, config.mqtt!));
    const controller = new AbortController();
    const watcher = await connectAsync(broker.url, { ca: readFileSync(certs.ca, "utf8"), username: "watcher", password: "watcher-pw", reconnectPeriod: 0 });
    try {
      const seen: string[] = [];
      watcher.on("message", (_t, payload) => seen.push(payload.toString()));
      await watcher.subscribeAsync("xmpp-iot/tlspi/status", { qos: 1 });
      client.start(controller.signal);
      expect(await client.waitOnline(5000)).toBe(true);
      await client.publish("xmpp-iot/tlspi/probe", "1", { qos: 1, retain: false });
      await eventually(() => seen, "the retained status online", 5000, { until: (payloads) => payloads.includes("online") });
      await client.stop();
      await eventually(() => seen, "the status offline after stop", 5000, { until: (payloads) => payloads.includes("offline") });
      expect(lines.join("\n")).not.toContain(PASSWORD);
    } finally {
      controller.abort();
      await client.stop();
      await watcher.endAsync(true);
    }
  });

  it("retries with backoff and says why when the password is wrong, without logging it", async () => {
    const { config } = parseConfig({ ...baseConfig, mqtt: { url: broker.url, caFile: certs.ca, username: "agent", password: "wrong-pw-123", reconnectMinMs: 200, reconnectMaxMs: 400 } }, {});
    const { log, lines } = capture();
    const client = createMqttClient({ log }, mqttClientOptions(config, config.mqtt!));
    const controller = new AbortController();
    try {
      client.start(controller.signal);
      expect(await client.waitOnline(1500)).toBe(false);
      const retries = lines.filter((l) => l.includes("MQTT disconnected; retrying"));
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toMatch(/Not authorized|Bad User Name or Password/i);
      expect(lines.join("\n")).not.toContain("wrong-pw-123");
    } finally {
      controller.abort();
      await client.stop();
    }
  });

  it("refuses the broker certificate without the CA (verification is never turned off)", async () => {
    const { config } = parseConfig({ ...baseConfig, mqtt: { url: broker.url, username: "agent", passwordFile } }, {});
    const { log, lines } = capture();
    const client = createMqttClient({ log }, mqttClientOptions(config, config.mqtt!));
    const controller = new AbortController();
    try {
      client.start(controller.signal);
      expect(await client.waitOnline(1500)).toBe(false);
      expect(lines.find((l) => l.includes("MQTT disconnected; retrying"))).toMatch(/self[- ]signed|unable to (verify|get local issuer)/i);
    } finally {
      controller.abort();
      await client.stop();
    }
  });

  it("names the field when the password file or CA file cannot be read, or caFile is given without TLS", () => {
    const missing = parseConfig({ ...baseConfig, mqtt: { url: broker.url, passwordFile: join(dir, "nope") } }, {});
    expect(() => mqttClientOptions(missing.config, missing.config.mqtt!)).toThrow(/mqtt\.passwordFile: cannot read .*nope/);
    const noCa = parseConfig({ ...baseConfig, mqtt: { url: broker.url, caFile: join(dir, "nope.pem") } }, {});
    expect(() => mqttClientOptions(noCa.config, noCa.config.mqtt!)).toThrow(/mqtt\.caFile: cannot read/);
    try {
      parseConfig({ ...baseConfig, mqtt: { url: "mqtt://127.0.0.1:1883", caFile: certs.ca, password: "a", passwordFile } }, {});
      expect.unreachable();
    } catch (error) {
      expect(isIotError(error) && error.code).toBe("CONFIG_INVALID");
      expect(isIotError(error) ? error.details : []).toEqual(expect.arrayContaining([
        "mqtt.passwordFile: give either password or passwordFile, not both",
        "mqtt.caFile: caFile needs a TLS URL (mqtts:// or wss://)",
      ]));
    }
    const env = parseConfig({ ...baseConfig, mqtt: { url: broker.url, username: "agent" } }, {});
    expect(mqttClientOptions(env.config, env.config.mqtt!, { XMPP_IOT_MQTT_PASSWORD: "from-env" }).password).toBe("from-env");
  });
});

