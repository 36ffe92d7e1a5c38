/**
 * The raw-library baseline: xmpp.js (src/xmpp/entity.ts, i.e. @xmpp/client's parts without the
 * agent's pipeline, queue or sink) publishing SenML items with a window of pipelined IQs, with
 * TCP_NODELAY as the agent has. Same server, same node configuration, same payload encoder.
 */
import xml from "@xmpp/xml";
import pino from "pino";
import type { Reading } from "../../src/readings/reading.js";
import { encodeSenmlXml } from "../../src/senml/xml.js";
import { createEntity } from "../../src/xmpp/entity.js";
import { createNodeManager, NS_PUBSUB, publishOptions, type NodeSettings } from "../../src/xmpp/pubsub-nodes.js";
import { processFootprint, serveWorker } from "./ipc.js";

interface StartArgs { service: string; domain: string; username: string; password: string; pubsub: string; nodes: string[]; settings: NodeSettings }
interface PublishArgs { count: number; window: number; publishOptions?: boolean }
interface PacedArgs { ratePerS: number; durationMs: number }

let xmpp: ReturnType<typeof createEntity> | undefined;
let started: StartArgs | undefined;
let sequence = 0;

function reading(node: string): Reading {
  const timeMs = Date.now();
  sequence++;
  const slash = node.lastIndexOf("/");
  return { device: "raw", channel: node.slice(slash + 1), value: 20 + (sequence % 1000) / 100, unit: "Cel", time: timeMs / 1000, id: `${timeMs.toString(36)}-${sequence.toString(36)}` };
}

function publishOne(node: string, withOptions = false): Promise<unknown> {
  const r = reading(node);
  return xmpp!.iqCaller.request(xml("iq", { type: "set", to: started!.pubsub },
    xml("pubsub", { xmlns: NS_PUBSUB }, xml("publish", { node }, xml("item", { id: r.id }, encodeSenmlXml(`${started!.username}@${started!.domain}`, [r]))),
      withOptions ? publishOptions(started!.settings) : undefined)), 15_000);
}

serveWorker({
  async start(args: StartArgs) {
    started = args;
    xmpp = createEntity({ service: args.service, domain: args.domain, username: args.username, password: args.password, resource: "raw", tlsRequired: false });
    xmpp.entity.on("connect", () => (xmpp!.entity as any).socket?.setNoDelay?.(true));
    xmpp.entity.on("error", () => undefined);
    await xmpp.entity.start();
    const nodes = createNodeManager({ request: (e, t) => xmpp!.iqCaller.request(e, t), log: pino({ level: "silent" }), service: args.pubsub });
    for (const node of args.nodes) await nodes.ensure(node, args.settings);
    return { nodes: args.nodes.length };
  },

  /** `count` publishes round-robin over the nodes, at most `window` unacknowledged at once. */
  async publish(args: PublishArgs) {
    const nodes = started!.nodes;
    const t0 = performance.timeOrigin + performance.now();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < args.count && sent - acked - failed < args.window) {
          const node = nodes[sent % nodes.length]!;
          sent++;
          publishOne(node, args.publishOptions).then(() => { acked++; }, () => { failed++; }).finally(() => {
            if (acked + failed === args.count) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    return { startedAt: t0, endedAt: performance.timeOrigin + performance.now(), acked, failed };
  },

  /** A steady rate, in 10 ms ticks, to compare latency with the agent's at the same rate. */
  async paced(args: PacedArgs) {
    const nodes = started!.nodes;
    const perTick = args.ratePerS / 100;
    let due = 0;
    let sent = 0;
    let failed = 0;
    const inflight = new Set<Promise<unknown>>();
    const end = Date.now() + args.durationMs;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (Date.now() >= end) { clearInterval(timer); resolve(); return; }
        due += perTick;
        for (; due >= 1; due--) {
          const p = publishOne(nodes[sent++ % nodes.length]!).catch(() => { failed++; });
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
      }, 10);
    });
    await Promise.all(inflight);
    return { sent, failed };
  },

  footprint: (args?: { gc?: boolean }) => processFootprint(args),

  async stop() {
    await Promise.race([xmpp?.entity.stop(), new Promise((r) => setTimeout(r, 3000))]).catch(() => undefined);
  },
});
