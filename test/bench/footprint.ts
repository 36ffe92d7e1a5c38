import { agentConfig, nodesOf, simulatedDevice, startAgentWorker, waitRecords, type BenchContext } from "./context.js";
import type { WorkerHandle } from "./ipc.js";
import type { AgentStatus } from "../../src/status/status.js";
import { eventually } from "../harness/wait.js";
import { mb, sleep } from "./stats.js";

type Footprint = { rssBytes: number; heapUsedBytes: number; cpuUserUs: number; cpuSystemUs: number; atMs: number };

export interface FootprintResult {
  readonly devices: number;
  readonly channels: number;
  readonly seconds: number;
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  readonly rssMaxMb: number;
  readonly rssMinMb: number;
  /** RSS right after a forced full GC at the end: what the agent holds without collectable garbage. */
  readonly rssAfterGcMb: number;
  /** RSS at the end minus RSS after the warm-up, each taken right after a forced full GC (garbage V8 has not collected yet is not growth). */
  readonly growthMb: number;
  /** Live heap after a forced GC: end minus start. */
  readonly heapGrowthMb: number;
  readonly heapEndMb: number;
  readonly cpuPercent: number;
  readonly deliveredPerS: number;
  readonly p99: number;
}

/**
 * `devices` x `channels` simulated channels at `intervalMs` for `durationMs` after a warm-up: the
 * agent's RSS every second (its own process), CPU share, and what the subscriber received.
 */
export interface FootprintSetup {
  readonly nodeFlags?: readonly string[];
  /** One module (scripts/build-bundle.mjs) as the unit runs it, rather than dist/'s ~250 modules. */
  readonly bundled?: boolean;
  /** `memory.heapSlackMb`; absent = the config default. */
  readonly heapSlackMb?: number;
}

export async function footprint(ctx: BenchContext, label: string, devices: number, channels: number, intervalMs: number, warmupMs: number, durationMs: number, setup: FootprintSetup = {}): Promise<FootprintResult> {
  const prefix = `bench/${label}/`;
  const ids = Array.from({ length: devices }, (_, i) => `d${i}`);
  const config = agentConfig(ctx, { nodePrefix: prefix, devices: ids.map((id) => simulatedDevice(id, channels, intervalMs)), ...(setup.heapSlackMb !== undefined ? { heapSlackMb: setup.heapSlackMb } : {}) });
  const agent = await startAgentWorker(ctx, config, setup.nodeFlags, setup.bundled);
  try {
    await ctx.sub.subscribe(ids.flatMap((id) => nodesOf(prefix, id, channels)), 60_000);
    return await observe(ctx, agent, prefix, devices, channels, warmupMs, durationMs);
  } finally {
    await agent.close();
  }
}

async function observe(ctx: BenchContext, agent: WorkerHandle, prefix: string, devices: number, channels: number, warmupMs: number, durationMs: number): Promise<FootprintResult> {
  await sleep(warmupMs);
  const gcStart = await agent.call<Footprint>("footprint", { gc: true });
  const samples: Footprint[] = [];
  const from = Date.now();
  const meter = ctx.sub.meter(prefix, from);
  while (Date.now() - from < durationMs) {
    samples.push(await agent.call<Footprint>("footprint"));
    await sleep(1000);
  }
  samples.push(await agent.call<Footprint>("footprint"));
  ctx.sub.release(meter);
  const gcEnd = await agent.call<Footprint>("footprint", { gc: true });
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const seconds = (last.atMs - first.atMs) / 1000;
  return {
    devices, channels, seconds,
    rssStartMb: mb(first.rssBytes),
    rssEndMb: mb(last.rssBytes),
    rssMaxMb: mb(Math.max(...samples.map((s) => s.rssBytes))),
    rssMinMb: mb(Math.min(...samples.map((s) => s.rssBytes))),
    rssAfterGcMb: mb(gcEnd.rssBytes),
    growthMb: mb(gcEnd.rssBytes - gcStart.rssBytes),
    heapGrowthMb: mb(gcEnd.heapUsedBytes - gcStart.heapUsedBytes),
    heapEndMb: mb(last.heapUsedBytes),
    cpuPercent: (100 * (last.cpuUserUs + last.cpuSystemUs - first.cpuUserUs - first.cpuSystemUs) / 1000) / (last.atMs - first.atMs),
    deliveredPerS: meter.latency.count / seconds,
    p99: meter.latency.percentile(99),
  };
}

/**
 * Scale: one device with `channels` channels (one node each) at 1 Hz for `durationMs`, then a
 * burst of `count` readings over the same nodes on top: readings/s and RSS.
 */
export async function scale(ctx: BenchContext, channels: number, durationMs: number, count: number, backlogWaitMs: number): Promise<{ sustained: FootprintResult; pendingBefore: number; pendingAfter: number; burstRate: number; rssAfterBurstMb: number }> {
  const prefix = "bench/scale/";
  const agent = await startAgentWorker(ctx, agentConfig(ctx, { nodePrefix: prefix, devices: [simulatedDevice("s", channels, 1000)], maxPending: 1_000_000 }));
  try {
    await ctx.sub.subscribe(nodesOf(prefix, "s", channels), 60_000);
    // Readings queued while the nodes were being created drain first (bounded wait), then it is timed.
    const backlog = async (): Promise<number> => (await agent.call<AgentStatus>("status")).sinks.find((x) => x.name === "pubsub")?.pending ?? 0;
    await eventually(backlog, "the scale backlog to drain", backlogWaitMs, { until: (queued) => queued < channels, everyMs: 200 }).catch(() => undefined);
    const pendingBefore = await backlog();
    const sustained = await observe(ctx, agent, prefix, 1, channels, 1000, durationMs);
    const pendingAfter = await backlog();
    const meter = ctx.sub.meter(prefix);
    const names = Array.from({ length: channels }, (_, i) => `c${i}`);
    const timed = await agent.call<{ startedAt: number }>("feed", { device: "s", channels: names, count, chunk: 1000 }, 120_000);
    await waitRecords(meter, count, 120_000, "scale burst");
    ctx.sub.release(meter);
    const fp = await agent.call<Footprint>("footprint");
    return { sustained, pendingBefore, pendingAfter, burstRate: count / ((meter.lastAt - timed.startedAt) / 1000), rssAfterBurstMb: mb(fp.rssBytes) };
  } finally {
    await agent.close();
  }
}
