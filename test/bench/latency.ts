import { agentConfig, nodeSettings, nodesOf, simulatedDevice, startAgentWorker, worker, type BenchContext } from "./context.js";
import type { AgentStatus } from "../../src/status/status.js";
import { BENCH_ACCOUNTS, cpuSeconds } from "./servers.js";
import { sleep } from "./stats.js";
import type { PackForm } from "../../src/senml/xml.js";

export interface LatencyResult {
  readonly offeredPerS: number;
  readonly deliveredPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  /** Agent only: how long its start-up backlog took to drain before timing began (NaN: never). */
  readonly caughtUpAfterMs?: number;
  /** Records per pubsub item received in the timed window: how full the batches were. */
  readonly recordsPerItem: number;
  /** Prosody's CPU over the timed window, % of one core: near 100 the server, not the agent, is the limit. */
  readonly serverCpuPercent: number;
  /** Prosody's CPU in the timed window per record delivered, us. */
  readonly serverCpuUsPerRecord: number;
}

/**
 * A simulated device producing about `ratePerS`: one channel up to 1000/tick-rate, else enough
 * channels sampled together every `tickMs` (a multi-channel device: each tick is a small burst).
 */
function deviceFor(id: string, ratePerS: number, tickMs: number): { device: unknown; channels: number } {
  if (ratePerS * tickMs <= 1000) return { device: simulatedDevice(id, 1, Math.round(1000 / ratePerS)), channels: 1 };
  const channels = Math.max(1, Math.round((ratePerS * tickMs) / 1000));
  return { device: simulatedDevice(id, channels, tickMs), channels };
}

/**
 * Latency from a reading's time (SenML `t`, set when the simulated driver sampled it) to its
 * receipt by the independent subscriber, at a steady rate; the first second is not timed.
 */
export async function agentLatency(ctx: BenchContext, label: string, ratePerS: number, durationMs: number, options: { tickMs?: number; batch?: { windowMs: number; maxReadings: number }; packForm?: PackForm } = {}): Promise<LatencyResult> {
  const prefix = `bench/lat-${label}/`;
  const { batch } = options;
  const { device, channels } = deviceFor("lat", ratePerS, options.tickMs ?? 10);
  const agent = await startAgentWorker(ctx, agentConfig(ctx, { nodePrefix: prefix, devices: [device], ...(batch ? { batch } : {}), maxPending: 1_000_000 }), [], false, options.packForm);
  try {
    await ctx.sub.subscribe(nodesOf(prefix, "lat", channels));
    const status = (): Promise<AgentStatus> => agent.call<AgentStatus>("status");
    const caughtUpAfterMs = await caughtUp(status, ratePerS);
    const accepted = async (): Promise<number> => (await status()).pipeline.accepted;
    return { ...(await timed(ctx, prefix, durationMs, accepted)), caughtUpAfterMs };
  } finally {
    await agent.close();
  }
}

/**
 * Steady state, not start-up: the first publish to each node creates and configures it, and
 * readings queue meanwhile. Waits (up to 30 s) until the pubsub outbox holds at most a fifth of a
 * second of readings; the time it took, or NaN when it never caught up (the rate is past capacity).
 */
async function caughtUp(status: () => Promise<AgentStatus>, ratePerS: number): Promise<number> {
  const started = Date.now();
  const bound = Math.max(100, ratePerS / 5);
  while (Date.now() - started < 30_000) {
    const pubsub = (await status()).sinks.find((s) => s.name === "pubsub");
    if (pubsub !== undefined && pubsub.pending <= bound) return Date.now() - started;
    await sleep(200);
  }
  return Number.NaN;
}

/** The same at the same rate from the raw xmpp.js publisher (one node). */
export async function rawLatency(ctx: BenchContext, ratePerS: number, durationMs: number): Promise<LatencyResult> {
  const prefix = "bench/lat-raw/";
  const nodes = nodesOf(prefix, "raw", 1);
  const raw = worker(ctx, "raw-xmpp-worker");
  try {
    await raw.call("start", { service: ctx.prosody.service, domain: ctx.prosody.domain, username: "raw", password: BENCH_ACCOUNTS.raw, pubsub: ctx.prosody.pubsubJid, nodes, settings: nodeSettings() });
    await ctx.sub.subscribe(nodes);
    const running = raw.call("paced", { ratePerS, durationMs: durationMs + 1000 }, durationMs + 30_000);
    const result = await timed(ctx, prefix, durationMs);
    await running;
    return result;
  } finally {
    await raw.close();
  }
}

/** `produced`: readings the source has made so far, for the offered rate (NaN = not known). */
async function timed(ctx: BenchContext, prefix: string, durationMs: number, produced: () => Promise<number> = async () => Number.NaN): Promise<LatencyResult> {
  await sleep(1000); // warm-up: JIT, first node publishes
  const from = Date.now();
  const meter = ctx.sub.meter(prefix, from);
  const before = await produced();
  const serverBefore = cpuSeconds(ctx.prosodyPid);
  await sleep(durationMs);
  const after = await produced();
  const serverSeconds = cpuSeconds(ctx.prosodyPid) - serverBefore;
  ctx.sub.release(meter);
  const seconds = (Date.now() - from) / 1000;
  return {
    offeredPerS: (after - before) / seconds,
    deliveredPerS: meter.latency.count / seconds,
    p50: meter.latency.percentile(50),
    p99: meter.latency.percentile(99),
    max: meter.latency.percentile(100),
    samples: meter.latency.count,
    recordsPerItem: meter.records / meter.items,
    serverCpuPercent: (100 * serverSeconds) / seconds,
    serverCpuUsPerRecord: (serverSeconds * 1e6) / meter.latency.count,
  };
}
