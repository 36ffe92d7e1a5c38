import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliProcess } from "../harness/cli.js";
import { startRestartableProsody, type RestartableProsody } from "../faults/bed.js";
import { prepareAgentProcesses, type AgentProcesses } from "../harness/agent-process.js";
import { agentLogin } from "../harness/agent.js";

/**
 * The outbox lock is flock(2), which the kernel drops with its process: a lock file left by a
 * SIGKILL or a power cut never keeps the agent (the compiled CLI, against a real Prosody) down,
 * whatever pid it names, while two live agents on one outbox.path still refuse the second (78).
 */
describe("outbox lock", () => {
  let prosody: RestartableProsody;
  let agents: AgentProcesses;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    prosody = await startRestartableProsody();
    agents = prepareAgentProcesses("xmpp-iot-lock-", (dir) => ({
      name: "lockpi",
      xmpp: agentLogin(prosody.current.service),
      pubsub: { service: "pubsub.localhost" },
      devices: [],
      outbox: { path: join(dir, "outbox") },
      log: { level: "info" },
    }));
    mkdirSync(join(agents.dir, "outbox", "pubsub"), { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await agents?.stop();
    await prosody?.remove();
  }, 30_000);

  const lockFile = (): string => join(agents.dir, "outbox", "pubsub", "lock");
  const startAgent = async (): Promise<CliProcess> => agents.start(30_000);
  const stopAgent = async (agent: CliProcess): Promise<void> => {
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  };

  it("a lock file naming pid 1 (left before a reboot) is taken over with a log line", async () => {
    writeFileSync(lockFile(), "1\n");
    const agent = await startAgent();
    expect(agent.output()).toMatch(/"previousPid":1,.*lock left by an agent that is no longer running.*taken over/);
    expect(readFileSync(lockFile(), "utf8")).toMatch(new RegExp(`^${agent.child.pid} [0-9a-f-]{36} \\d+\\n$`));
    await stopAgent(agent);
  }, 60_000);

  it("a lock file naming a live unrelated process (pid reused after a reboot) is taken over", async () => {
    const unrelated = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(unrelated);
    writeFileSync(lockFile(), `${unrelated.pid}\n`);
    const agent = await startAgent();
    expect(agent.output()).toMatch(new RegExp(`"previousPid":${unrelated.pid},.*taken over`));
    await stopAgent(agent);
    expect(unrelated.exitCode).toBeNull(); // untouched
  }, 60_000);

  it("a lock left by a SIGKILLed agent is taken over; a second live agent on the same outbox exits 78", async () => {
    const killed = await startAgent();
    killed.child.kill("SIGKILL");
    await killed.exited;
    const first = await startAgent();
    expect(first.output()).toMatch(new RegExp(`"previousPid":${killed.child.pid},.*taken over`));

    const second = agents.spawn();
    expect(await second.exited).toBe(78);
    expect(second.output()).toContain(`is in use by process ${first.child.pid}`);
    expect(first.child.exitCode).toBeNull();
    await stopAgent(first);
  }, 90_000);
});
