/**
 * Fleet: N agents, each 2 devices x 2 channels at 1 Hz with persisted items, against one private
 * server on loopback; per point readings/s offered (made by the agents' pipelines) against
 * acknowledged (publish IQ results counted by their sinks), the delivery p99 at an independent
 * subscriber (one channel of every agent), the server's CPU and how many sessions were lost.
 * A fresh server per point, so one point's backlog or stored items do not weigh on the next.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker, type WorkerHandle } from "./ipc.js";
import { startFleetServer, type FleetServerKind } from "./fleet-servers.js";
import { cpuSeconds } from "./servers.js";
import { sleep } from "./stats.js";
import { startXmppSubscriber } from "./xmpp-subscriber.js";

const here = dirname(fileURLToPath(import.meta.url));
const READINGS_PER_AGENT_PER_S = 4;
/** Agents per worker process (many sessions from few processes). */
const AGENTS_PER_WORKER = 100;
const SUB_PASSWORD = "fleet-sub-pw";
/** Agents not up this long after the first login are counted as failed: a run stays bounded on a server that cannot take them. */
const START_BUDGET_MS = 90_000;

export interface FleetOptions {
  readonly servers: readonly FleetServerKind[];
  readonly sizes: readonly number[];
  readonly warmMs: number;
  readonly measureMs: number;
  readonly tmp: string;
  note(line: string): void;
}

export interface FleetPoint {
  readonly server: FleetServerKind;
  readonly agents: number;
  readonly started: number;
  readonly startS: number;
  readonly startCpuSPerAgent: number;
  readonly offeredPerS: number;
  readonly ackedPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
  readonly serverCpuPercent: number;
  readonly agentsCpuPercent: number;
  readonly lost: number;
  readonly halfOpen: number;
  readonly slow: number;
  readonly startRetries: number;
  readonly unhandled: number;
  readonly pendingEnd: number;
  readonly onlineEnd: number;
  readonly failure?: string;
}

type WorkerStatus = { agents: number; accepted: number; delivered: number; pending: number; online: number; lost: number; halfOpen: number; slow: number; startRetries: number; unhandled: number; cpuMs: number };

/** A point is past the knee when the server does not keep up, latency explodes or sessions drop. */
export function broken(p: FleetPoint): boolean {
  return p.failure !== undefined || p.started < p.agents || !(p.ackedPerS >= 0.95 * p.offeredPerS) || !(p.p99 <= 2000) || p.lost > 0;
}

/** "between 50 and 100 agents", "not reached up to 200 agents": the first broken size and the last good one before it. */
export function knee(points: readonly FleetPoint[]): string {
  const sorted = [...points].sort((a, b) => a.agents - b.agents);
  const first = sorted.findIndex(broken);
  if (first < 0) return `not reached up to ${sorted.at(-1)?.agents ?? 0} agents`;
  if (first === 0) return `at or below ${sorted[0]!.agents} agents`;
  return `between ${sorted[first - 1]!.agents} and ${sorted[first]!.agents} agents`;
}

function agentConfig(i: number, service: string, pubsub: string): unknown {
  const channels = { c0: { unit: "Cel", min: 15, max: 30, waveform: "randomWalk" }, c1: { unit: "%RH", min: 20, max: 80, waveform: "randomWalk" } };
  return {
    name: `fleet${i}`,
    xmpp: { service, jid: `fleet${i}@localhost`, password: `fleet-pw-${i}`, tls: "off" },
    pubsub: { service: pubsub, nodePrefix: `fleet/${i}/`, access: "acl", maxItems: 10, persistItems: true },
    acl: { readers: ["sub@localhost"] },
    devices: [0, 1].map((d) => ({ id: `d${d}`, driver: "simulated", intervalMs: 1000, channels })),
    memory: { heapSlackMb: 0 },
    log: { level: "info" },
  };
}

export async function fleetPoint(kind: FleetServerKind, n: number, options: FleetOptions): Promise<FleetPoint> {
  const accounts: Record<string, string> = { sub: SUB_PASSWORD };
  for (let i = 0; i < n; i++) accounts[`fleet${i}`] = `fleet-pw-${i}`;
  const fleet = await startFleetServer(kind, accounts);
  const { server } = fleet;
  const workers: WorkerHandle[] = [];
  const sub = await startXmppSubscriber({ service: server.service, domain: server.domain, username: "sub", password: SUB_PASSWORD, pubsub: server.pubsubJid });
  const base = { server: kind, agents: n };
  try {
    const t0 = Date.now();
    const groups = Math.ceil(n / AGENTS_PER_WORKER);
    const starts = await Promise.all(Array.from({ length: groups }, async (_, g) => {
      const w = startWorker(join(here, "fleet-worker.js"), join(options.tmp, `fleet-${kind}-${n}-${g}.log`), ["--expose-gc"]);
      workers.push(w);
      const configs: unknown[] = [];
      for (let i = g; i < n; i += groups) configs.push(agentConfig(i, server.service, server.pubsubJid));
      return w.call<{ started: number; names: string[]; failures: string[]; cpuMs: number }>("start", { configs, concurrency: 10, startBudgetMs: START_BUDGET_MS }, 300_000);
    }));
    const started = starts.reduce((s, x) => s + x.started, 0);
    const startS = (Date.now() - t0) / 1000;
    const startCpuSPerAgent = starts.reduce((s, x) => s + x.cpuMs, 0) / 1000 / Math.max(1, started);
    const failures = starts.flatMap((x) => x.failures);
    options.note(`fleet ${kind} N=${n}: ${started} agents up in ${startS.toFixed(1)} s${failures.length ? `; ${failures.length} failed, first: ${failures[0]}` : ""}`);

    // One channel of every agent that started at the subscriber: the node exists once the agent published to it.
    const subscribed = starts.flatMap((x) => x.names).map((name) => `fleet/${name.slice("fleet".length)}/d0/c0`);
    let subscribeFailure: string | undefined;
    await sub.subscribe(subscribed, 120_000).catch((error: unknown) => { subscribeFailure = error instanceof Error ? error.message : String(error); });
    await sleep(options.warmMs);

    const status = async (): Promise<WorkerStatus> => {
      const all = await Promise.all(workers.map((w) => w.call<WorkerStatus>("status", undefined, 60_000)));
      return all.reduce((s, x) => ({ agents: s.agents + x.agents, accepted: s.accepted + x.accepted, delivered: s.delivered + x.delivered, pending: s.pending + x.pending,
        online: s.online + x.online, lost: s.lost + x.lost, halfOpen: s.halfOpen + x.halfOpen, slow: s.slow + x.slow, startRetries: s.startRetries + x.startRetries, unhandled: s.unhandled + x.unhandled, cpuMs: s.cpuMs + x.cpuMs }));
    };
    const from = Date.now();
    const meter = sub.meter("fleet/", from);
    const before = await status();
    const serverBefore = cpuSeconds(fleet.pid);
    await sleep(options.measureMs);
    const after = await status();
    const serverSeconds = cpuSeconds(fleet.pid) - serverBefore;
    sub.release(meter);
    const seconds = (Date.now() - from) / 1000;
    return {
      ...base, started, startS, startCpuSPerAgent,
      offeredPerS: (after.accepted - before.accepted) / seconds,
      ackedPerS: (after.delivered - before.delivered) / seconds,
      p50: meter.latency.percentile(50),
      p99: meter.latency.percentile(99),
      samples: meter.latency.count,
      serverCpuPercent: (100 * serverSeconds) / seconds,
      agentsCpuPercent: (after.cpuMs - before.cpuMs) / 10 / seconds,
      // Over the whole point, start included: a fleet that reconnects during its boot adds load too.
      lost: after.lost, halfOpen: after.halfOpen, slow: after.slow, startRetries: after.startRetries, unhandled: after.unhandled,
      pendingEnd: after.pending, onlineEnd: after.online,
      ...(failures.length || subscribeFailure ? { failure: [failures.length ? `${failures.length} agents failed to start: ${failures[0]}` : "", subscribeFailure ?? ""].filter(Boolean).join("; ") } : {}),
    };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
    return { ...base, started: 0, startS: Number.NaN, startCpuSPerAgent: Number.NaN, offeredPerS: Number.NaN, ackedPerS: Number.NaN, p50: Number.NaN, p99: Number.NaN,
      samples: 0, serverCpuPercent: Number.NaN, agentsCpuPercent: Number.NaN, lost: 0, halfOpen: 0, slow: 0, startRetries: 0, unhandled: 0, pendingEnd: 0, onlineEnd: 0, failure: message };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await sub.stop();
    await fleet.stop();
  }
}

/** Every server, every size, in order; the points as measured (a failed point says why). */
export async function fleet(options: FleetOptions, onPoint: (p: FleetPoint) => void): Promise<FleetPoint[]> {
  const points: FleetPoint[] = [];
  for (const kind of options.servers) {
    for (const n of options.sizes) {
      const p = await fleetPoint(kind, n, options);
      points.push(p);
      onPoint(p);
    }
  }
  return points;
}

export const FLEET_KNEE_RULE = "the first N where acknowledged < 95 % of offered, p99 > 2 s, an agent failed to start or a session was lost";

/** One table row per point, in run.ts's columns. */
export function fleetRow(row: (scenario: string, agent: string, raw: string, ratio: string, notes: string) => void, p: FleetPoint): void {
  const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "NA");
  if (p.failure !== undefined && p.started === 0) {
    row(`Fleet, ${p.server}, N=${p.agents}: readings/s offered / acknowledged`, "failed", "", "", p.failure.replaceAll("|", "/"));
    return;
  }
  row(`Fleet, ${p.server}, N=${p.agents}: readings/s offered / acknowledged`, `${f(p.offeredPerS)} / ${f(p.ackedPerS)}`, `${READINGS_PER_AGENT_PER_S * p.agents} nominal`,
    `p50 ${f(p.p50, 0)} / p99 ${f(p.p99, 0)} ms`,
    `server CPU ${f(p.serverCpuPercent, 0)} % of a core, agents ${f(p.agentsCpuPercent, 0)} %; ${p.started}/${p.agents} up in ${f(p.startS)} s (${f(p.startCpuSPerAgent, 2)} CPU s each, ${p.startRetries} start retries); sessions lost ${p.lost}, half-open ${p.halfOpen}, slow-not-dead ${p.slow}, unhandled rejections ${p.unhandled}; at the end ${p.onlineEnd} online, ${p.pendingEnd} pending; ${p.samples} timed at the subscriber${p.failure ? `; ${p.failure.replaceAll("|", "/")}` : ""}${broken(p) ? "; BROKEN" : ""}`);
}
