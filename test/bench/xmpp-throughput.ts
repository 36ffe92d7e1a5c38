import { cpuSeconds, BENCH_ACCOUNTS } from "./servers.js";
import { agentConfig, drained, nodeSettings, nodesOf, simulatedDevice, startAgentWorker, waitRecords, worker, type BenchContext } from "./context.js";
import type { WorkerHandle } from "./ipc.js";
import { sleep } from "./stats.js";
import type { Meter } from "./xmpp-subscriber.js";
import type { PackForm } from "../../src/senml/xml.js";

const CHANNELS = 10;
const channelNames = (): string[] => Array.from({ length: CHANNELS }, (_, i) => `c${i}`);

type Timed = { startedAt: number; endedAt: number };
type Footprint = { cpuUserUs: number; cpuSystemUs: number };

/** One burst: readings/s end to end, and CPU ms per 1000 readings of the publisher, Prosody and the subscriber. */
export interface Burst {
  readonly rate: number;
  readonly publisherCpuMsPer1k: number;
  readonly serverCpuMsPer1k: number;
  readonly subscriberCpuMsPer1k: number;
  readonly items: number;
}

/**
 * Readings/s from the first reading handed over to the last one received by the independent
 * subscriber: the raw xmpp.js publisher and the agent alternate trials on the same server and
 * the same node configuration (10 nodes, max_items 10, whitelist).
 */
export async function xmppThroughput(ctx: BenchContext, count: number, trials: number, persistItems = false, nodeFlags: readonly string[] = [], bundled = false): Promise<{ raw: Burst[]; agent: Burst[]; rawRssMb: number; agentRssMb: number }> {
  const tag = `${persistItems ? "p" : ""}${nodeFlags.length > 0 ? "f" : ""}`;
  const rawPrefix = `bench/raw${tag}/`;
  const agentPrefix = `bench/agent${tag}/`;
  const rawNodes = nodesOf(rawPrefix, "raw", CHANNELS);
  const agentNodes = nodesOf(agentPrefix, "fast", CHANNELS);
  // BENCH_CPU_PROF profiles the raw publisher too, so both sides pay the profiler's cost.
  const profileDir = process.env["BENCH_CPU_PROF"];
  const raw = worker(ctx, "raw-xmpp-worker", ["--expose-gc", ...nodeFlags, ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [])]);
  let agent: WorkerHandle | undefined;
  try {
    await raw.call("start", { service: ctx.prosody.service, domain: ctx.prosody.domain, username: "raw", password: BENCH_ACCOUNTS.raw, pubsub: ctx.prosody.pubsubJid, nodes: rawNodes, settings: nodeSettings(persistItems) });
    // One tick at start creates the agent's nodes; after that only `feed` produces readings.
    agent = await startAgentWorker(ctx, agentConfig(ctx, { nodePrefix: agentPrefix, persistItems, devices: [simulatedDevice("fast", CHANNELS, 86_400_000)], maxPending: 1_000_000 }), nodeFlags, bundled);
    const a = agent;
    await ctx.sub.subscribe([...rawNodes, ...agentNodes]);
    // Warm-up (JIT, node caches) on both sides, not measured.
    const warm = Math.min(500, count);
    await raw.call("publish", { count: warm, window: ctx.window }, 120_000);
    await a.call("feed", { device: "fast", channels: channelNames(), count: warm, chunk: 500 });
    await drained(a);
    const results = { raw: [] as Burst[], agent: [] as Burst[] };
    for (let trial = 0; trial < trials; trial++) {
      results.raw.push(await burst(ctx, raw, rawPrefix, count, () => raw.call<Timed>("publish", { count, window: ctx.window }, 120_000)));
      results.agent.push(await burst(ctx, a, agentPrefix, count, () => a.call<Timed>("feed", { device: "fast", channels: channelNames(), count, chunk: 1000 }, 120_000)));
      await drained(a);
    }
    // Reference for the footprint rows: both processes after the same work, right after a full GC.
    const rss = async (w: WorkerHandle): Promise<number> => (await w.call<{ rssBytes: number }>("footprint", { gc: true })).rssBytes / 1048576;
    return { ...results, rawRssMb: await rss(raw), agentRssMb: await rss(a) };
  } finally {
    await raw.close();
    await agent?.close();
  }
}

/** The agent with batching on: `trials` bursts of `count` readings over 10 nodes; `packForm` as in src/senml/xml.ts. */
export async function batchedThroughput(ctx: BenchContext, count: number, batch: { windowMs: number; maxReadings: number }, trials: number, packForm: PackForm = "base"): Promise<Burst[]> {
  const prefix = `bench/batched-${packForm}-${batch.windowMs}-${batch.maxReadings}/`;
  const nodes = nodesOf(prefix, "fast", CHANNELS);
  const agent = await startAgentWorker(ctx, agentConfig(ctx, { nodePrefix: prefix, devices: [simulatedDevice("fast", CHANNELS, 86_400_000)], batch, maxPending: 1_000_000 }), [], false, packForm);
  try {
    await ctx.sub.subscribe(nodes);
    await agent.call("feed", { device: "fast", channels: channelNames(), count: 2000, chunk: 1000 });
    await drained(agent);
    const bursts: Burst[] = [];
    for (let trial = 0; trial < trials; trial++) {
      bursts.push(await burst(ctx, agent, prefix, count, () => agent.call<Timed>("feed", { device: "fast", channels: channelNames(), count, chunk: 1000 }, 120_000)));
      await drained(agent);
    }
    return bursts;
  } finally {
    await agent.close();
  }
}

async function burst(ctx: BenchContext, publisher: WorkerHandle, prefix: string, count: number, run: () => Promise<Timed>): Promise<Burst> {
  const meter: Meter = ctx.sub.meter(prefix);
  try {
    const before = { pub: await publisher.call<Footprint>("footprint"), server: cpuSeconds(ctx.prosodyPid), sub: process.cpuUsage() };
    const timed = await run();
    await waitRecords(meter, count, 120_000, `${prefix} burst`);
    const after = { pub: await publisher.call<Footprint>("footprint"), server: cpuSeconds(ctx.prosodyPid), sub: process.cpuUsage(before.sub) };
    const per1k = (ms: number): number => ms / (count / 1000);
    return {
      rate: count / ((meter.lastAt - timed.startedAt) / 1000),
      publisherCpuMsPer1k: per1k((after.pub.cpuUserUs + after.pub.cpuSystemUs - before.pub.cpuUserUs - before.pub.cpuSystemUs) / 1000),
      serverCpuMsPer1k: per1k((after.server - before.server) * 1000),
      subscriberCpuMsPer1k: per1k((after.sub.user + after.sub.system) / 1000),
      items: meter.items,
    };
  } finally {
    ctx.sub.release(meter);
    await sleep(200);
  }
}
