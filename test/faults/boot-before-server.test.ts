import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { freeLoopbackPort, startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { createPtyPair, send, type PtyPair } from "../drivers/pty.js";
import type { CliProcess } from "../harness/cli.js";
import { runPython } from "../harness/python.js";
import { ACCOUNTS, agentLogin, TEST_ACL } from "../harness/agent.js";
import { eventually } from "../harness/wait.js";
import { prepareAgentProcesses, type AgentProcesses } from "../harness/agent-process.js";

const BEFORE = 40;
const AFTER = 20;

/**
 * A Pi that boots before its network: `run` (the compiled CLI) starts while nothing listens on
 * the XMPP port, reads a serial device (a real socat PTY, JSON lines) meanwhile, and connects when
 * Prosody comes up on that port. An independent client (slixmpp) then finds every reading stored.
 */
describe("fault: the agent starts before the XMPP server is reachable", () => {
  let port: number;
  let dir: string;
  let prosody: ProsodyServer | undefined;
  let pty: PtyPair;
  let agent: CliProcess | undefined;
  let agents: AgentProcesses | undefined;

  beforeAll(async () => {
    port = await freeLoopbackPort();
    // Accounts first, then the server goes away: the agent starts against a closed port.
    const first = await startProsody({ pubsubAdmins: ["agent@localhost"], port });
    dir = first.dir;
    for (const [user, password] of Object.entries(ACCOUNTS)) first.register(user, password);
    await first.stop();
    pty = await createPtyPair();
    agents = prepareAgentProcesses("xmpp-iot-boot-", () => ({
      xmpp: { ...agentLogin(`xmpp://127.0.0.1:${port}`), reconnectMinMs: 200, reconnectMaxMs: 1000 },
      pubsub: { service: "pubsub.localhost", maxItems: 1000 },
      acl: TEST_ACL,
      devices: [{ id: "meter", driver: "serial", path: pty.a, format: "json", channels: { t: { unit: "Cel" } } }],
      log: { level: "debug" },
    }));
  }, 60_000);

  afterAll(async () => {
    await agents?.stop();
    await prosody?.stop();
    rmSync(dir, { recursive: true, force: true });
    await pty?.close();
  }, 30_000);

  it("keeps running, reads the device meanwhile, and delivers every reading once the server is up", async () => {
    onTestFailed(() => console.log(agent?.output().split("\n").filter((l) => !l.includes('"part":"devices"')).slice(-40).join("\n")));
    agent = agents!.spawn();
    await agent.waitForOutput(/"msg":"agent started"/, 20_000);
    await agent.waitForOutput(/connection refused.*"msg":"xmpp connect failed"/, 20_000);
    await agent.waitForOutput(/"device":"meter"[^\n]*"msg":"device ready"/, 20_000);
    const device = await pty.device();
    for (let i = 1; i <= BEFORE; i++) {
      await send(device, `{"t": ${i}}\n`);
      await sleep(25);
    }
    expect(agent.child.exitCode).toBeNull(); // before the change: exit 69 at once

    prosody = await startProsody({ pubsubAdmins: ["agent@localhost"], port, dir });
    await agent.waitForOutput(/"xmpp online"/, 30_000);
    for (let i = BEFORE + 1; i <= BEFORE + AFTER; i++) {
      await send(device, `{"t": ${i}}\n`);
      await sleep(25);
    }

    const fetchStored = async (): Promise<number[]> => {
      const bob = runPython("slixmpp_subscriber.py", ["--jid", "bob@localhost", "--port", String(port), "--service", "pubsub.localhost",
        "--node", "sensors/meter/t", "--stored", "--no-tls", "--timeout", "30"], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
      await bob.waitFor((line) => "fetched" in line, 40_000).catch(() => undefined);
      await bob.exited;
      return bob.lines.filter((l) => l["stored"] === true).map((l) => l["v"] as number);
    };
    const stored = await eventually(fetchStored, `all ${BEFORE + AFTER} lines stored`, 60_000, { until: (values) => values.length >= BEFORE + AFTER, everyMs: 1000 });
    console.log(JSON.stringify({ linesSent: BEFORE + AFTER, storedItems: stored.length, connectFailures: agent.output().split('"xmpp connect failed"').length - 1 }));
    expect([...new Set(stored)].sort((a, b) => a - b)).toEqual(Array.from({ length: BEFORE + AFTER }, (_, i) => i + 1));

    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 180_000);
});
