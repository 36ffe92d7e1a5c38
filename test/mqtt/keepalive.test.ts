import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/log.js";
import { createMqttClient } from "../../src/mqtt/client.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { startProxy, type FaultProxy } from "../harness/proxy.js";

/**
 * The client sets mqtt.js `reschedulePings: false` (no timer re-armed per PUBACK): it then pings
 * once per keepalive whatever the traffic, and a link that goes silent while readings flow must
 * still be declared dead after about 1.5 keepalives (MQTT 3.1.1 section 3.1.2.10).
 */
describe("MQTT keepalive on a half-open link", () => {
  let broker: Mosquitto;
  let proxy: FaultProxy;
  beforeAll(async () => {
    broker = await startMosquitto();
    proxy = await startProxy(broker.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
  });

  it("notices the dead link while publishing and goes offline", async () => {
    const client = createMqttClient({ log: createLogger({ level: "silent" }) }, {
      url: `mqtt://127.0.0.1:${proxy.port}`, clientId: "keepalive-test", keepaliveS: 1, connectTimeoutMs: 5000,
      reconnectMinMs: 60_000, reconnectMaxMs: 60_000, statusTopic: "keepalive-test/status", protocolVersion: 4,
    });
    const stop = new AbortController();
    client.start(stop.signal);
    try {
      expect(await client.waitOnline(10_000)).toBe(true);
      // Steady traffic with PUBACKs for a while: pings must keep going out under it.
      const acked: Array<Error | undefined> = [];
      const publishSome = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          await new Promise<void>((resolve) => client.publishWithCallback("keepalive-test/r", String(i), { qos: 1, retain: false }, (e) => { acked.push(e); resolve(); }));
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await publishSome(50); // 2.5 s: more than two keepalives
      expect(acked.every((e) => e === undefined)).toBe(true);
      expect(client.isConnected()).toBe(true);
      const offline = new Promise<number>((resolve) => client.events.once("offline", () => resolve(Date.now())));
      const silencedAt = Date.now();
      proxy.silence();
      // Keep publishing into the silent link (no PUBACK will come).
      for (let i = 0; i < 40 && client.isConnected(); i++) {
        client.publishWithCallback("keepalive-test/r", "x", { qos: 1, retain: false }, () => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
      const at = await Promise.race([offline, new Promise<number>((r) => setTimeout(() => r(Number.NaN), 15_000))]);
      // 1.5 keepalives plus one ping interval and timer slack on a loaded machine.
      expect(at - silencedAt).toBeLessThan(10_000);
    } finally {
      stop.abort();
      await client.stop();
    }
  });
});
