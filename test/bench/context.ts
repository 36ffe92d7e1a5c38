import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProsodyServer } from "../../src/prosody/server.js";
import type { PackForm } from "../../src/senml/xml.js";
import type { AgentStatus } from "../../src/status/status.js";
import { startWorker, type WorkerHandle } from "./ipc.js";
import type { Mosquitto } from "./servers.js";
import { BENCH_ACCOUNTS } from "./servers.js";
import { eventually } from "../harness/wait.js";
import { sleep } from "./stats.js";
import type { XmppSubscriber } from "./xmpp-subscriber.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface BenchContext {
  readonly quick: boolean;
  readonly tmp: string;
  readonly prosody: ProsodyServer;
  /** For Prosody's CPU seconds per phase (/proc/<pid>/stat). */
  readonly prosodyPid: number;
  readonly sub: XmppSubscriber;
  readonly mosquitto: Mosquitto;
  /** Publishes IQs in flight at once: the agent sink's default window, used for the raw baseline too. */
  readonly window: number;
  note(line: string): void;
}

/** A row of the results table. */
export interface Row {
  readonly scenario: string;
  readonly agent: string;
  readonly raw: string;
  readonly ratio: string;
  readonly notes: string;
}

/**
 * Node configuration shared by the raw publisher and the agent. persist_items is off by default
 * here: with Prosody's `internal` (file) storage a persistent node costs the server ~5 ms per
 * publish, which would hide every client-side difference; one scenario measures it on purpose.
 */
export function nodeSettings(persistItems = false) {
  return { maxItems: 10, persistItems, accessModel: "whitelist" as const, members: ["sub@localhost"] };
}

/** `name`: a worker module beside this one, `.js` unless it names its own extension. */
export function worker(ctx: BenchContext, name: string, execArgv: readonly string[] = ["--expose-gc"]): WorkerHandle {
  const file = /\.m?js$/.test(name) ? name : `${name}.js`;
  // BENCH_NODE_FLAGS="--trace-gc ..." adds diagnostic V8 flags to every worker; BENCH_LOG_DIR keeps their logs.
  const extra = (process.env["BENCH_NODE_FLAGS"] ?? "").split(" ").filter((f) => f !== "");
  const logDir = process.env["BENCH_LOG_DIR"] ?? ctx.tmp;
  return startWorker(join(here, file), join(logDir, `${name}-${Date.now()}.log`), [...execArgv, ...extra]);
}

/** The agent's config: the DESIGN example's shape, loopback Prosody, the subscriber as ACL reader. */
export function agentConfig(ctx: BenchContext, options: { nodePrefix: string; devices: unknown[]; persistItems?: boolean; batch?: { windowMs: number; maxReadings: number }; maxPending?: number; mqtt?: unknown; heapSlackMb?: number }): unknown {
  return {
    name: "bench",
    xmpp: { service: ctx.prosody.service, jid: "agent@localhost", password: BENCH_ACCOUNTS.agent, tls: "off" },
    pubsub: {
      service: ctx.prosody.pubsubJid, nodePrefix: options.nodePrefix, access: "acl", maxItems: 10, persistItems: options.persistItems ?? false,
      ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
      ...(options.batch ? { batch: options.batch } : {}),
    },
    acl: { readers: ["sub@localhost"] },
    devices: options.devices,
    ...(options.mqtt !== undefined ? { mqtt: options.mqtt } : {}),
    ...(options.heapSlackMb !== undefined ? { memory: { heapSlackMb: options.heapSlackMb } } : {}),
    log: { level: "warn" },
  };
}

export function simulatedDevice(id: string, channels: number, intervalMs: number): unknown {
  const ch: Record<string, unknown> = {};
  for (let i = 0; i < channels; i++) ch[`c${i}`] = { unit: "Cel", min: 15, max: 30, waveform: "randomWalk" };
  return { id, driver: "simulated", intervalMs, channels: ch };
}

export function nodesOf(prefix: string, device: string, channels: number): string[] {
  return Array.from({ length: channels }, (_, i) => `${prefix}${device}/c${i}`);
}

/**
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every agent worker there (profile before optimizing).
 * `bundled`: the worker built into one module by scripts/build-bundle.mjs, as dist/xmpp-iot.mjs is
 * for the unit (`npm run bench` builds it).
 */
export async function startAgentWorker(ctx: BenchContext, config: unknown, nodeFlags: readonly string[] = [], bundled = false, packForm: PackForm = "base"): Promise<WorkerHandle> {
  const profileDir = process.env["BENCH_CPU_PROF"];
  // --expose-gc only lets the footprint rows force a GC before the growth samples (the agent's heap
  // governor uses the same gc() it would otherwise expose itself).
  const w = worker(ctx, bundled ? "agent-worker.bundle.mjs" : "agent-worker", ["--expose-gc", ...nodeFlags, ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [])]);
  try {
    await w.call("start", { config, packForm }, 30_000);
  } catch (error) {
    await w.close();
    throw error;
  }
  return w;
}

export function sinkOf(status: AgentStatus, name: string) {
  return status.sinks.find((s) => s.name === name);
}

/** Waits until the agent's sink has nothing pending (everything acknowledged by the server). */
export async function drained(w: WorkerHandle, sink = "pubsub", timeoutMs = 60_000): Promise<void> {
  await eventually(async () => sinkOf(await w.call<AgentStatus>("status"), sink)?.pending ?? 0, `${sink} to drain`, timeoutMs, { until: (pending) => pending === 0, everyMs: 100 });
}

export async function waitRecords(meter: { records: number }, count: number, timeoutMs: number, what: string): Promise<void> {
  await eventually(() => meter.records, `${what}: ${count} records at the subscriber`, timeoutMs, { until: (records) => records >= count, everyMs: 5 });
  await sleep(0);
}
