import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliProcess } from "../harness/cli.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { mosquittoPub, mosquittoSubRetained, observe } from "./observer.js";
import { prepareAgentProcesses, type AgentProcesses } from "../harness/agent-process.js";
import { ACCOUNTS, removeServer, startAgentServer } from "../harness/agent.js";
import type { XmppServer } from "../harness/servers.js";

const PREFIX = "xmpp-iot/killpi";

/**
 * The compiled CLI (`node dist/src/cli.js run`) as a child process, so the agent can be killed
 * for real: the broker, not the agent, must then publish the last will.
 */
describe("agent process: retained status and the last will", () => {
  let prosody: XmppServer;
  let broker: Mosquitto;
  let agents: AgentProcesses | undefined;

  beforeAll(async () => {
    [prosody, broker] = await Promise.all([startAgentServer(), startMosquitto()]);
    agents = prepareAgentProcesses("xmpp-iot-mqtt-proc-", (dir) => {
      const passwordFile = join(dir, "xmpp-password");
      writeFileSync(passwordFile, `${ACCOUNTS.agent}\n`, { mode: 0o600 });
      return {
        name: "killpi",
        xmpp: { service: prosody.service, jid: "agent@localhost", passwordFile, tls: "off" },
        pubsub: { service: prosody.pubsubJid },
        devices: [{ id: "g", driver: "simulated", intervalMs: 500, channels: { lamp: { type: "boolean", writable: true, value: false } } }],
        mqtt: { url: broker.url, keepaliveS: 5 },
        log: { level: "info" },
      };
    });
  }, 60_000);

  afterAll(async () => {
    await agents?.stop();
    await broker?.remove();
    if (prosody) await removeServer(prosody);
  });

  const start = async (): Promise<CliProcess> => agents!.start();

  it("publishes online retained, and the broker publishes the will (offline) after SIGKILL", async () => {
    // A retained /set left on the broker must not fire at start-up (it would fire on every restart).
    mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, "ON", ["-r"]);
    const watcher = await observe(broker.url, [`${PREFIX}/status`, `${PREFIX}/g/lamp`]);
    try {
      const agent = await start();
      await watcher.waitFor((m) => m.topic === `${PREFIX}/status` && m.text === "online", 10_000, "online");
      expect(mosquittoSubRetained(broker.port, `${PREFIX}/status`)).toBe("online");
      await agent.waitForOutput(/retained command ignored/, 5000);
      expect(agent.output()).toContain(`mosquitto_pub -r -n -t '${PREFIX}/g/lamp/set'`);
      await watcher.waitFor((m) => m.topic === `${PREFIX}/g/lamp`, 5000, "a lamp reading");
      expect(watcher.seen.filter((m) => m.topic === `${PREFIX}/g/lamp`).every((m) => m.text.includes("\"vb\":false"))).toBe(true);
      mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, null, ["-r"]);

      const killedAt = Date.now();
      agent.child.kill("SIGKILL");
      expect(await agent.exited).toBeNull();
      const will = await watcher.waitFor((m) => m.topic === `${PREFIX}/status` && m.text === "offline" && m.at >= killedAt, 10_000, "the last will");
      // The kernel closes the socket at once, so the broker sends the will without waiting for keepalive.
      expect(will.at - killedAt).toBeLessThan(3000);
      console.log(`last will "offline" seen ${will.at - killedAt} ms after SIGKILL`);
      expect(mosquittoSubRetained(broker.port, `${PREFIX}/status`)).toBe("offline");
    } finally {
      await watcher.close();
    }
  });

  it("publishes offline itself on a clean SIGTERM (a clean DISCONNECT discards the will)", async () => {
    const watcher = await observe(broker.url, [`${PREFIX}/status`]);
    try {
      const agent = await start();
      const mark = Date.now();
      await watcher.waitFor((m) => m.text === "online" && m.at >= mark - 5000 && !m.retain, 10_000, "online again");
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
      await watcher.waitFor((m) => m.text === "offline" && m.at >= mark, 5000, "offline on shutdown");
      expect(mosquittoSubRetained(broker.port, `${PREFIX}/status`)).toBe("offline");
      expect(mosquittoSubRetained(broker.port, `${PREFIX}/g/availability`)).toBe("offline");
      expect(agent.output()).not.toContain("agent-pw");
    } finally {
      await watcher.close();
    }
  });
});
