/**
 * The agent's own CPU per published reading, without a server: the pipeline, the history rollup,
 * the outbox and the pubsub sink against a connection that serializes each IQ (as the socket write
 * would) and answers it on the next event-loop turn; and, for comparison, what the raw xmpp.js
 * publisher (raw-xmpp-worker.ts) builds per reading against the same fake. Readings arrive as the
 * bench's agent worker feeds them, `chunk` per event-loop turn.
 *
 * `node <flags> dist/test/bench/agent-path-cost.js agent|raw [trials] [chunk]` prints CPU us per
 * reading for each trial of 5000. On a shared machine the times are noise; instruction counts are
 * not: run it under `valgrind --tool=cachegrind --cache-sim=no` with node's `--single-threaded
 * --predictable` (without it V8's incremental marking runs as long as wall-clock time lets it, and
 * counts move by thousands per reading) once with 0 trials and once with 4, and divide the
 * difference of `I refs` by 20000.
 */
import { EventEmitter } from "node:events";
import xml, { type Element } from "@xmpp/xml";
import pino from "pino";
import { createHistory } from "../../src/history/rollup.js";
import { createPipeline } from "../../src/pipeline/pipeline.js";
import type { Reading } from "../../src/readings/reading.js";
import { encodeSenmlXml } from "../../src/senml/xml.js";
import type { Connection } from "../../src/xmpp/connection.js";
import { createDeliverySink } from "../../src/delivery/engine.js";
import { openOutbox } from "../../src/outbox/index.js";
import { createPubsubTransport } from "../../src/xmpp/pubsub-transport.js";
import { NS_PUBSUB } from "../../src/xmpp/pubsub-nodes.js";

const COUNT = 5000;
const CHANNELS = Array.from({ length: 10 }, (_, i) => `c${i}`);
const log = pino({ level: "silent" });
const [mode = "agent", trialsArg = "6", chunkArg = "1000"] = process.argv.slice(2);
let written = 0;

/** Serializes the request as the socket write would and answers on the next turn. */
function answer(element: Element): Promise<Element> {
  written += element.toString().length;
  return new Promise((resolve) => setImmediate(() => resolve(xml("iq", { type: "result" }))));
}

function agentPath(): (count: number, chunk: number) => Promise<void> {
  const connection = {
    events: new EventEmitter(), bareJid: "agent@localhost", jid: "agent@localhost/bench",
    isOnline: () => true, answeredIn: () => undefined, request: answer,
  } as unknown as Connection;
  const transport = createPubsubTransport({ connection, log }, { service: "pubsub.localhost", nodePrefix: "bench/", settings: { maxItems: 10, persistItems: false, accessModel: "whitelist", members: [] } });
  const sink = createDeliverySink({ transport, outbox: openOutbox({ log }, transport.name, undefined, 1_000_000), log });
  const history = createHistory({ log }, { maxRecords: 1000 });
  const channels = Object.fromEntries(CHANNELS.map((c) => [c, { unit: "Cel" }]));
  const pipeline = createPipeline({ channels: () => channels, onReading: (r) => { history.accept(r); sink.accept(r); } });
  void sink.start(new AbortController().signal);
  let value = 0;
  return async (count, chunk) => {
    let fed = 0;
    await new Promise<void>((resolve) => {
      const step = (): void => {
        for (const end = Math.min(count, fed + chunk); fed < end; fed++) {
          value = (value + 1) % 10_000;
          pipeline.process("fast", { channel: CHANNELS[fed % CHANNELS.length]!, value: 15 + value / 1000, time: Date.now() / 1000 });
        }
        if (fed < count) setImmediate(step);
        else resolve();
      };
      step();
    });
    if (!(await sink.flush(60_000))) throw new Error("pubsub sink not drained after 60 s");
  };
}

/** raw-xmpp-worker.ts's publish loop: a reading built when a window slot frees, 32 in flight. */
function rawPath(): (count: number) => Promise<void> {
  let sequence = 0;
  const publishOne = (node: string): Promise<Element> => {
    const timeMs = Date.now();
    sequence++;
    const r: Reading = { device: "raw", channel: node.slice(node.lastIndexOf("/") + 1), value: 20 + (sequence % 1000) / 100, unit: "Cel", time: timeMs / 1000, id: `${timeMs.toString(36)}-${sequence.toString(36)}` };
    return answer(xml("iq", { type: "set", to: "pubsub.localhost" },
      xml("pubsub", { xmlns: NS_PUBSUB }, xml("publish", { node }, xml("item", { id: r.id }, encodeSenmlXml("raw@localhost", [r]))))));
  };
  const nodes = CHANNELS.map((c) => `bench/raw/${c}`);
  return async (count) => {
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < count && sent - acked < 32) {
          void publishOne(nodes[sent++ % nodes.length]!).then(() => {
            acked++;
            if (acked === count) resolve();
            else pump();
          });
        }
      };
      pump();
    });
  };
}

const chunk = Number(chunkArg);
const run = mode === "raw" ? rawPath() : agentPath();
await run(2000, chunk); // warm-up: node creation, inline caches, baseline code
const perReading: string[] = [];
for (let trial = 0; trial < Number(trialsArg); trial++) {
  const before = process.cpuUsage();
  await run(COUNT, chunk);
  const used = process.cpuUsage(before);
  perReading.push(((used.user + used.system) / COUNT).toFixed(1));
}
console.log(`${mode}: CPU us per reading ${perReading.join(" ")} (${written} bytes serialized)`);
