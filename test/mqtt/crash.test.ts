import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { observe } from "./observer.js";
import { eventually } from "../harness/wait.js";
import { prepareAgentProcesses, type AgentProcesses } from "../harness/agent-process.js";
import { agentLogin, removeServer, startAgentServer } from "../harness/agent.js";
import type { XmppServer } from "../harness/servers.js";

const PREFIX = "xmpp-iot/crashpi";

interface Rec { n: string; v: number; t: number; id: string }

/**
 * Readings taken while the broker is down, then SIGKILL: with an `outbox` section they are on disk
 * and the next agent process sends them to the broker (original ids and timestamps).
 */
describe("MQTT readings survive a crash of the agent while the broker is down (durable outbox)", () => {
  let prosody: XmppServer;
  let broker: Mosquitto;
  let agents: AgentProcesses;

  beforeAll(async () => {
    [prosody, broker] = await Promise.all([startAgentServer(), startMosquitto()]);
    agents = prepareAgentProcesses("xmpp-iot-mqtt-crash-", (dir) => ({
      name: "crashpi",
      xmpp: agentLogin(prosody.service),
      pubsub: { service: prosody.pubsubJid },
      devices: [{ id: "g", driver: "simulated", intervalMs: 100, channels: { n: { unit: "Cel", waveform: "sine", min: 0, max: 100, periodMs: 4000 } } }],
      mqtt: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 500 },
      outbox: { path: join(dir, "outbox"), syncIntervalMs: 0 },
      log: { level: "info" },
    }));
  }, 60_000);

  afterAll(async () => {
    await agents?.stop();
    await broker?.remove();
    if (prosody) await removeServer(prosody);
  });

  it("sends the readings taken before the SIGKILL after the next start", async () => {
    const first = agents.spawn();
    await first.waitForOutput(/"msg":"MQTT connected"/, 20_000);
    await broker.remove();
    const downAt = Date.now();
    await first.waitForOutput(/MQTT disconnected; retrying/, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    first.child.kill("SIGKILL");
    await first.exited;

    broker = await startMosquitto({ port: broker.port });
    const watcher = await observe(broker.url, [`${PREFIX}/g/n`]);
    try {
      const second = agents.spawn();
      await second.waitForOutput(/"msg":"agent started"/, 20_000);
      const fromBefore = () => watcher.seen.map((m) => (JSON.parse(m.text) as Rec[])[0]!).filter((r) => r.t * 1000 > downAt && r.t * 1000 < killedAt);
      await eventually(() => fromBefore().length, "ten readings from before the crash at the broker", 10_000, { until: (n) => n >= 10 });
      const recovered = fromBefore();
      // ~15 readings at 100 ms in the 1.5 s outage; ids unique, oldest first.
      expect(recovered.length).toBeGreaterThanOrEqual(10);
      expect(new Set(recovered.map((r) => r.id)).size).toBe(recovered.length);
      expect(recovered.map((r) => r.t)).toEqual([...recovered.map((r) => r.t)].sort((a, b) => a - b));
      console.log(`broker down ${killedAt - downAt} ms before SIGKILL; ${recovered.length} readings from that window published by the next process`);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      await watcher.close();
    }
  });
});

