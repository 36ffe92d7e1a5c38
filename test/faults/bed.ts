import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import pino from "pino";
import type { SerialPort } from "serialport";
import { onTestFailed } from "vitest";
import type { Agent } from "../../src/agent/agent.js";
import { freeLoopbackPort } from "../../src/prosody/server.js";
import type { Reading } from "../../src/readings/reading.js";
import { decodeSenmlXml } from "../../src/senml/decode.js";
import type { ReadingSink } from "../../src/delivery/types.js";
import { createConnection } from "../../src/xmpp/connection.js";
import { NS_PUBSUB } from "../../src/xmpp/pubsub-nodes.js";
import { createPtyPair, type PtyPair } from "../drivers/pty.js";
import { ACCOUNTS, agentLogin, overlay, runAgent, TEST_ACL } from "../harness/agent.js";
import { eventually } from "../harness/wait.js";
import { startServer, startServerWith, type ServerKind, type XmppServer } from "../harness/servers.js";
import { startProxy, type FaultProxy } from "../harness/proxy.js";

export { ACCOUNTS };

/** A server (Prosody unless asked for ejabberd) that can be stopped and started again on the same port and data directory. */
export interface RestartableProsody {
  readonly port: number;
  readonly dir: string;
  current: XmppServer;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function startRestartableProsody(kind: ServerKind = "prosody"): Promise<RestartableProsody> {
  const port = await freeLoopbackPort();
  const options = { pubsubAdmins: ["agent@localhost"], port };
  const first = await startServerWith(kind, ACCOUNTS, options);
  let running = true;
  const bed: RestartableProsody = {
    port, dir: first.dir, current: first,
    async stop() { if (running) { running = false; await bed.current.stop(); } },
    async start() { if (!running) { bed.current = await startServer(kind, { ...options, dir: first.dir }); running = true; } },
    async remove() { await bed.stop(); first.remove(); },
  };
  return bed;
}

/** Every reading the pipeline produced, in order: the reference a subscriber is compared with. */
export function createRecorder(): ReadingSink & { readonly readings: Reading[] } {
  const readings: Reading[] = [];
  return {
    name: "recorder", readings,
    async start() { /* nothing to connect */ },
    async stop() { /* nothing to release */ },
    accept(reading) { readings.push(reading); },
    status: () => ({ name: "recorder", connected: true, pending: 0, dropped: 0, delivered: readings.length }),
  };
}

export interface FaultAgent {
  readonly agent: Agent;
  readonly recorder: ReturnType<typeof createRecorder>;
  readonly logs: string[];
  readonly outboxDir: string;
  stop(): Promise<void>;
}

/** The agent in-process, talking to `service` (Prosody or a proxy), with a durable outbox in a temp dir. */
export async function startFaultAgent(service: string, config: Record<string, unknown>, options: { outboxDir?: string; sinks?: readonly ReadingSink[] } = {}): Promise<FaultAgent> {
  const outboxDir = options.outboxDir ?? mkdtempSync(join(tmpdir(), "xmpp-iot-outbox-"));
  const base = {
    xmpp: { ...agentLogin(service), reconnectMinMs: 200, reconnectMaxMs: 1000 },
    pubsub: { service: "pubsub.localhost", maxItems: 10 },
    acl: TEST_ACL,
    outbox: { path: outboxDir },
  };
  const recorder = createRecorder();
  // Own sinks replace the full recorder (a test measuring memory keeps its reference off the heap).
  const running = await runAgent(overlay(base, config, ["xmpp", "pubsub", "outbox"]), { sinks: options.sinks ?? [recorder] });
  return { agent: running.agent, recorder, logs: running.lines, outboxDir, stop: running.stop };
}

/** A restartable server, what stands between it and the agent, and the agent: one stop() ends them all. */
export interface FaultBed {
  readonly prosody: RestartableProsody;
  readonly bed: FaultAgent;
  /** Once the agent has the serial port open: the device side of the PTY, to write lines to. */
  serialDevice(): Promise<SerialPort>;
  /** The TCP proxy the agent reaches the server through (only with `proxied: true`). */
  readonly proxy: FaultProxy;
  stop(): Promise<void>;
}

export interface FaultBedOptions {
  readonly kind?: ServerKind;
  /** A socat PTY pair for a serial device; its path is handed to `config` as `ptyPath`. */
  readonly serial?: boolean;
  /** The agent reaches the server through a fault proxy instead of directly. */
  readonly proxied?: boolean;
  readonly sinks?: readonly ReadingSink[];
}

/** Starts the pieces in order and, if one fails, stops those already running before rethrowing. */
export async function startFaultBed(options: FaultBedOptions, config: (link: { readonly ptyPath: string }) => Record<string, unknown>): Promise<FaultBed> {
  const prosody = await startRestartableProsody(options.kind);
  let pty: PtyPair | undefined;
  let proxy: FaultProxy | undefined;
  let bed: FaultAgent | undefined;
  const stop = async (): Promise<void> => {
    await bed?.stop();
    await pty?.close();
    await proxy?.close();
    await prosody.remove();
    if (bed) removeDir(bed.outboxDir);
  };
  try {
    if (options.serial) pty = await createPtyPair();
    if (options.proxied) proxy = await startProxy(prosody.port);
    const service = proxy?.service ?? prosody.current.service;
    const link = { get ptyPath() { return (pty ?? missing("serial PTY", "serial")).a; } };
    bed = await startFaultAgent(service, config(link), options.sinks ? { sinks: options.sinks } : {});
  } catch (error) {
    await stop();
    throw error;
  }
  const started = bed;
  return {
    prosody, bed: started, stop,
    async serialDevice() {
      await eventually(() => started.agent.devices.list()[0]?.health.state, "serial port open", 10_000, { until: (state) => state === "ok" });
      return (pty ?? missing("serial PTY", "serial")).device();
    },
    get proxy() { return proxy ?? missing("fault proxy", "proxied"); },
  };
}

/** On a failed test, the agent's last log lines (without the per-sample device lines). */
export function printLogOnFailure(logs: readonly string[], last = 40): void {
  onTestFailed(() => console.log(logs.filter((l) => !l.includes('"part":"devices"')).slice(-last).join("\n")));
}

function missing(what: string, option: string): never {
  throw new Error(`this fault bed has no ${what}: start it with { ${option}: true }`);
}

/** Items stored on a node, as an independent client (bob, an ACL reader) fetches them (XEP-0060 section 6.5). */
export async function fetchItems(service: string, node: string): Promise<Array<{ id: string; value: unknown }>> {
  const connection = createConnection({ log: pino({ level: "silent" }) }, {
    service, domain: "localhost", username: "bob", password: ACCOUNTS.bob, resource: `items-${process.pid}`, tlsRequired: false,
    reconnectMinMs: 500, reconnectMaxMs: 1000, pingIntervalMs: 60_000, pingTimeoutMs: 10_000, streamManagement: false,
  });
  await connection.start(new AbortController().signal);
  try {
    const result: Element = await connection.request(xml("iq", { type: "get", to: "pubsub.localhost" }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node }))));
    const items = result.getChild("pubsub")?.getChild("items")?.getChildren("item") ?? [];
    return items.map((item) => ({ id: item.attrs["id"] as string, value: decodeSenmlXml(item.getChild("sensml")!)[0]?.value }));
  } finally {
    await connection.stop();
  }
}

export interface Comparison {
  /** Produced readings (from the first one received on their node on) that never arrived. */
  readonly missing: string[];
  readonly duplicates: number;
  /** Nodes whose first arrivals are not in production order. */
  readonly outOfOrder: string[];
  readonly compared: number;
}

/**
 * Compares production with arrival per node: every reading produced from the first arrival on
 * must arrive, first arrivals in production order. A resend with the same id is a duplicate.
 */
export function compare(produced: readonly Reading[], received: ReadonlyArray<{ node: string; id: string }>, prefix = "sensors/"): Comparison {
  const missing: string[] = [];
  const outOfOrder: string[] = [];
  let duplicates = 0;
  let compared = 0;
  const nodes = new Set(produced.map((r) => `${prefix}${r.device}/${r.channel}`));
  for (const node of nodes) {
    const want = produced.filter((r) => `${prefix}${r.device}/${r.channel}` === node).map((r) => r.id);
    const seen = new Set<string>();
    const firsts: string[] = [];
    for (const r of received) {
      if (r.node !== node) continue;
      if (seen.has(r.id)) { duplicates++; continue; }
      seen.add(r.id);
      firsts.push(r.id);
    }
    const start = want.findIndex((id) => seen.has(id));
    if (start < 0) { missing.push(...want); continue; }
    const expected = want.slice(start);
    compared += expected.length;
    for (const id of expected) if (!seen.has(id)) missing.push(id);
    const order = firsts.filter((id) => expected.includes(id));
    if (order.join() !== expected.filter((id) => seen.has(id)).join()) outOfOrder.push(node);
  }
  return { missing, duplicates, outOfOrder, compared };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
