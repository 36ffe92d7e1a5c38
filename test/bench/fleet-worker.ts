/**
 * Many agents in one process: each is the same createAgent the CLI's `run` uses (its own XMPP
 * connection, pubsub sink, outbox and simulated devices), so a fleet of N sessions needs a few
 * processes, not N. Their logs go to one counting stream: the bench reads how often a session was
 * lost or declared half-open, which is what an overloaded server does to a fleet.
 */
import { Writable } from "node:stream";
import { appendFileSync } from "node:fs";
import { createAgent, type Agent } from "../../src/agent/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/logging/log.js";
import { serveWorker } from "./ipc.js";

const agents: Agent[] = [];
/** Log lines by what they say, summed over every agent of this process. */
const counts = { lost: 0, halfOpen: 0, slow: 0, logins: 0, errors: 0, startRetries: 0, unhandled: 0 };
// A hundred agents share this process: one agent's stray rejection (seen: ECONNRESET from an agent
// whose start had failed, on an overloaded Prosody) is counted and reported, not fatal to the rest.
process.on("unhandledRejection", (reason) => {
  counts.unhandled++;
  process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}\n`);
});
/** A failed start is tried again after a pause, as systemd restarts a unit that exited (Restart=on-failure). */
const START_ATTEMPTS = 3;
const START_RETRY_MS = 3000;
/** How long one start waits for the agent's first session (twice the default connect timeout). */
const ONLINE_WAIT_MS = 30_000;
const COUNTED: ReadonlyArray<[keyof typeof counts, string]> = [
  ["lost", "xmpp connection lost"], ["halfOpen", "half-open"], ["slow", "server is slow"], ["logins", "\"xmpp online\""],
];
const lines = new Writable({
  write(chunk: Buffer, _encoding, done) {
    const text = chunk.toString();
    for (const [key, needle] of COUNTED) if (text.includes(needle)) counts[key]++;
    if (text.includes("\"level\":50")) counts.errors++;
    if (process.env["FLEET_LOG"]) process.stderr.write(text);
    // FLEET_EVENTS=<file>: every warning and the session, liveness and back-off lines of every
    // agent, with their times, for tracing what a point did (the worker's log is removed with the run).
    const events = process.env["FLEET_EVENTS"];
    if (events && (!text.includes('"level":30') || /online|reconnect|slow|late/.test(text))) appendFileSync(events, text);
    done();
  },
});

serveWorker({
  /** Starts every agent, `concurrency` logins at once (a fleet that boots together, but not all in one instant). */
  async start(args: { configs: unknown[]; concurrency: number; startBudgetMs: number }) {
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const queue = [...args.configs];
    const failures: string[] = [];
    await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, async () => {
      for (let config = queue.shift(); config !== undefined; config = queue.shift()) {
        const loaded = parseConfig(config, {});
        if (Date.now() - t0 > args.startBudgetMs) {
          failures.push(`${loaded.config.name}: not started, the fleet's start took over ${args.startBudgetMs / 1000} s`);
          continue;
        }
        for (let attempt = 1; ; attempt++) {
          const agent = createAgent(loaded, createLogger({ level: "info", name: loaded.config.name }, lines));
          try {
            // The agent connects in the background: waiting for its session keeps `concurrency`
            // logins at a time, as a fleet that boots in batches (all at once, they time out together).
            await agent.start();
            await agent.online(Math.max(1000, Math.min(ONLINE_WAIT_MS, args.startBudgetMs - (Date.now() - t0))));
            agents.push(agent);
            break;
          } catch (error) {
            await agent.stop().catch(() => undefined);
            if (attempt >= START_ATTEMPTS || Date.now() - t0 > args.startBudgetMs) {
              failures.push(`${loaded.config.name}: ${error instanceof Error ? error.message : String(error)}`);
              break;
            }
            counts.startRetries++;
            await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
          }
        }
      }
    }));
    const cpu = process.cpuUsage(cpu0);
    return { started: agents.length, names: agents.map((a) => a.config.name), failures, ms: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  },

  /** Sums over this process's agents, and its CPU time so far. */
  status() {
    let accepted = 0, delivered = 0, pending = 0, dropped = 0, online = 0;
    for (const agent of agents) {
      const s = agent.status();
      accepted += s.pipeline.accepted;
      const pubsub = s.sinks.find((x) => x.name === "pubsub");
      delivered += pubsub?.delivered ?? 0;
      pending += pubsub?.pending ?? 0;
      dropped += pubsub?.dropped ?? 0;
      if (s.connected) online++;
    }
    const cpu = process.cpuUsage();
    return { agents: agents.length, accepted, delivered, pending, dropped, online, ...counts, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / 1048576 };
  },

  async stop() {
    // Devices first everywhere, so no agent waits for the others' readings while flushing.
    await Promise.all(agents.map((agent) => agent.stop("bench done").catch(() => undefined)));
  },
});
