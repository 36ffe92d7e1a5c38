/**
 * The agent under test, alone in its own process (so its RSS and CPU are its own): the same
 * createAgent the CLI's `run` uses, on a config from the bench. `feed` is a fast simulated device:
 * it hands samples to the agent's pipeline exactly as a driver's `emit` does, as fast as the
 * event loop allows, so a burst of N readings measures the agent's drain rate.
 */
import { writeHeapSnapshot } from "node:v8";
import { createAgent, type Agent } from "../../src/agent/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/logging/log.js";
import { setPackForm, type PackForm } from "../../src/senml/xml.js";
import { processFootprint, serveWorker } from "./ipc.js";

interface FeedArgs { device: string; channels: string[]; count: number; chunk: number }

let agent: Agent | undefined;
let value = 0;

serveWorker({
  async start(args: { config: unknown; packForm?: PackForm }) {
    if (args.packForm) setPackForm(args.packForm);
    const loaded = parseConfig(args.config, {});
    agent = createAgent(loaded, createLogger({ level: loaded.config.log.level, name: "bench-agent" }));
    await agent.start();
    await agent.online(60_000);
    return { sinks: agent.status().sinks.map((s) => s.name) };
  },

  /** `count` samples round-robin over `channels`, `chunk` per event-loop turn. */
  async feed(args: FeedArgs) {
    const a = agent!;
    const t0 = performance.timeOrigin + performance.now();
    let fed = 0;
    await new Promise<void>((resolve) => {
      const step = (): void => {
        const end = Math.min(args.count, fed + args.chunk);
        for (; fed < end; fed++) {
          value = (value + 1) % 10_000;
          a.pipeline.process(args.device, { channel: args.channels[fed % args.channels.length]!, value: 15 + value / 1000, time: Date.now() / 1000 });
        }
        if (fed < args.count) setImmediate(step);
        else resolve();
      };
      step();
    });
    return { startedAt: t0, endedAt: performance.timeOrigin + performance.now() };
  },

  status: () => agent!.status(),
  footprint: (args?: { gc?: boolean }) => processFootprint(args),
  /**
   * Resolves when `sink` has nothing pending (all acknowledged by the server): the publisher-side end
   * of a burst. The sink's own drain wait (pubsub and MQTT have one) settles in the last
   * acknowledgement's callback, as the raw workers' timing does, without a status poll per millisecond.
   */
  async drained(args: { sink: string; timeoutMs: number }) {
    const sink = agent!.sinks.find((s) => s.name === args.sink) as { flush?: (timeoutMs: number) => Promise<boolean> } | undefined;
    if (!sink?.flush) throw new Error(`the agent has no sink ${args.sink} with a drain wait`);
    if (!(await sink.flush(args.timeoutMs))) throw new Error(`${args.sink} not drained after ${args.timeoutMs} ms`);
    return { at: performance.timeOrigin + performance.now() };
  },
  memory: () => process.memoryUsage(),
  /** A V8 heap snapshot for looking at what the agent keeps (bench diagnostics only). */
  snapshot: (args: { dir: string }) => writeHeapSnapshot(`${args.dir}/agent-${process.pid}.heapsnapshot`),

  async stop() {
    await agent?.stop("bench done");
  },
});
