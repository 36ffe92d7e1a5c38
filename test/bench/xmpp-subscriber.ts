import xml, { type Element } from "@xmpp/xml";
import { decodeSenmlXml } from "../../src/senml/decode.js";
import { createEntity } from "../../src/xmpp/entity.js";
import { NS_PUBSUB, NS_PUBSUB_EVENT } from "../../src/xmpp/pubsub-nodes.js";
import { LatencySamples, sleep } from "./stats.js";

/** What one measurement saw: SenML records and items received for nodes under a prefix. */
export class Meter {
  records = 0;
  items = 0;
  firstAt = Number.NaN;
  lastAt = Number.NaN;
  readonly latency = new LatencySamples();
  /** Records with a reading time before this epoch-ms are counted but not timed (warm-up). */
  constructor(readonly prefix: string, readonly timeFromMs = 0) {}

  ratePerS(): number {
    return this.records > 1 ? this.records / ((this.lastAt - this.firstAt) / 1000) : Number.NaN;
  }
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The independent subscriber: a second XMPP session (xmpp.js, TCP_NODELAY like the agent) that
 * subscribes to pubsub nodes and times every SenML record from its resolved time (RFC 8428
 * section 4.6: `bt` + `t`, the reading time) to receipt.
 */
export async function startXmppSubscriber(options: { service: string; domain: string; username: string; password: string; pubsub: string }) {
  const { entity, iqCaller } = createEntity({ ...options, resource: "bench", tlsRequired: false });
  entity.on("connect", () => (entity as any).socket?.setNoDelay?.(true));
  entity.on("error", () => undefined);
  const meters = new Set<Meter>();

  entity.on("stanza", (stanza: Element) => {
    if (stanza.name !== "message") return;
    const event = stanza.getChild("event", NS_PUBSUB_EVENT);
    const items = event?.getChild("items");
    const node = items?.attrs["node"];
    if (!items || node === undefined) return;
    const at = now();
    for (const meter of meters) {
      if (!node.startsWith(meter.prefix)) continue;
      for (const item of items.children) {
        if (typeof item === "string" || item.name !== "item") continue;
        meter.items++;
        for (const pack of item.children) {
          if (typeof pack === "string") continue;
          for (const record of decodeSenmlXml(pack)) {
            const t = (record.time ?? 0) * 1000;
            meter.records++;
            if (Number.isNaN(meter.firstAt)) meter.firstAt = at;
            meter.lastAt = at;
            if (t >= meter.timeFromMs) meter.latency.add(at - t);
          }
        }
      }
    }
  });

  await entity.start();
  await entity.send(xml("presence"));
  const fullJid = String(entity.jid);

  async function subscribeOne(node: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await iqCaller.request(xml("iq", { type: "set", to: options.pubsub }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node, jid: fullJid }))), 10_000);
        return;
      } catch (error) {
        // The node may not exist yet (the publisher creates it on first use): retry until it does.
        if (Date.now() > deadline) throw new Error(`subscribe to ${node} failed: ${String((error as Error).message ?? error)}`);
        await sleep(50);
      }
    }
  }

  return {
    fullJid,
    /** Subscribes to every node (waiting for each to exist), a few requests in flight at once. */
    async subscribe(nodes: readonly string[], timeoutMs = 20_000): Promise<void> {
      const queue = [...nodes];
      await Promise.all(Array.from({ length: Math.min(16, queue.length) }, async () => {
        for (let node = queue.shift(); node !== undefined; node = queue.shift()) await subscribeOne(node, timeoutMs);
      }));
    },
    meter(prefix: string, timeFromMs = 0): Meter {
      const meter = new Meter(prefix, timeFromMs);
      meters.add(meter);
      return meter;
    },
    release(meter: Meter): void {
      meters.delete(meter);
    },
    async stop(): Promise<void> {
      await Promise.race([entity.stop(), sleep(3000)]).catch(() => undefined);
    },
  };
}

export type XmppSubscriber = Awaited<ReturnType<typeof startXmppSubscriber>>;
