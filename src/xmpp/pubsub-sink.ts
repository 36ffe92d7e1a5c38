import xml from "@xmpp/xml";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import type { Reading } from "../reading.js";
import { encodeSenmlXml } from "../senml/xml.js";
import { BoundedQueue } from "../sinks/bounded-queue.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import type { Connection } from "./connection.js";
import { createNodeManager, errorCondition, NS_PUBSUB, publishOptions, type NodeSettings } from "./pubsub-nodes.js";

export interface PubsubSinkOptions {
  /** Pubsub service JID; undefined = the agent's PEP. */
  readonly service: string | undefined;
  readonly nodePrefix: string;
  readonly settings: NodeSettings;
  readonly maxPending: number;
  /** Publish IQs in flight at once; a window keeps throughput up without an unbounded burst. */
  readonly window?: number;
}

interface Entry {
  readonly reading: Reading;
  readonly acceptedAt: number;
}

export function nodeName(prefix: string, reading: Pick<Reading, "device" | "channel">): string {
  return `${prefix}${reading.device}/${reading.channel}`;
}

const TRANSIENT = new Set(["remote-server-timeout", "resource-constraint", "internal-server-error", "wait"]);

/**
 * One XEP-0060 node per channel. A reading leaves the queue when the publish IQ result arrives;
 * while offline it waits in a bounded queue (oldest dropped and counted at the bound).
 */
export function createPubsubSink(deps: { connection: Connection; log: Logger }, options: PubsubSinkOptions): ReadingSink & { flush(timeoutMs: number): Promise<boolean> } {
  const { connection, log } = deps;
  const request = (element: Parameters<Connection["request"]>[0], timeoutMs?: number) => connection.request(element, timeoutMs);
  const nodes = createNodeManager({ request, log, service: options.service });
  const queue = new BoundedQueue<Entry>(options.maxPending);
  const window = options.window ?? 32;
  const ensuring = new Map<string, Promise<void>>();
  let inflight = 0;
  let delivered = 0;
  let rejected = 0;
  let lastAckAt: number | undefined;
  let publishOptionsSupported = false;
  let running = false;
  const drainWaiters = new Set<() => void>();

  const onOnline = (): void => {
    nodes.forgetAll();
    void discoverFeatures().finally(pump);
  };
  const onOffline = (): void => undefined;

  async function discoverFeatures(): Promise<void> {
    try {
      const info = await connection.request(xml("iq", { type: "get", to: options.service ?? connection.bareJid }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
      const features = info.getChild("query")?.getChildren("feature").map((f) => f.attrs["var"]) ?? [];
      publishOptionsSupported = features.includes("http://jabber.org/protocol/pubsub#publish-options");
    } catch (error) {
      log.warn({ service: options.service ?? "PEP", err: messageOf(error) }, "disco#info of the pubsub service failed");
    }
  }

  function ensureNode(node: string): Promise<void> {
    let pending = ensuring.get(node);
    if (!pending) {
      pending = nodes.ensure(node, options.settings).finally(() => ensuring.delete(node));
      ensuring.set(node, pending);
    }
    return pending;
  }

  async function publish(reading: Reading, retried: boolean): Promise<void> {
    const node = nodeName(options.nodePrefix, reading);
    if (!nodes.isReady(node)) await ensureNode(node);
    const pubsub = xml("pubsub", { xmlns: NS_PUBSUB },
      xml("publish", { node }, xml("item", { id: reading.id }, encodeSenmlXml(connection.bareJid, [reading]))),
      publishOptionsSupported ? publishOptions(options.settings) : undefined);
    try {
      await connection.request(xml("iq", { type: "set", to: options.service }, pubsub), 15_000);
    } catch (error) {
      const condition = errorCondition(error);
      if (retried || !connection.isOnline()) throw error;
      if (condition === "item-not-found") {
        nodes.forget(node); // deleted behind our back: create again and retry once
        return publish(reading, true);
      }
      if (condition === "precondition-not-met") {
        await nodes.configure(node, options.settings); // XEP-0060 section 7.1.5: reconfigure, retry once
        return publish(reading, true);
      }
      throw error;
    }
  }

  function pump(): void {
    while (running && connection.isOnline() && inflight < window && queue.size > 0) {
      const entry = queue.shift()!;
      inflight++;
      publish(entry.reading, false).then(
        () => {
          delivered++;
          lastAckAt = Date.now();
        },
        (error: unknown) => {
          const condition = errorCondition(error);
          if (!connection.isOnline() || condition === undefined || TRANSIENT.has(condition)) {
            queue.unshiftAll([entry]); // kept: sent again after reconnect with the same item id
          } else {
            rejected++;
            // A refusing server refuses every reading: log the first and then every 1000th.
            if (rejected % 1000 === 1) log.error({ node: nodeName(options.nodePrefix, entry.reading), rejected, err: messageOf(error) }, "reading rejected by the pubsub service");
          }
        },
      ).finally(() => {
        inflight--;
        if (queue.size === 0 && inflight === 0) for (const resolve of drainWaiters) resolve();
        pump();
      });
    }
  }

  return {
    name: "pubsub",
    async start() {
      running = true;
      connection.events.on("online", onOnline);
      connection.events.on("offline", onOffline);
      if (connection.isOnline()) onOnline();
    },
    async stop() {
      running = false;
      connection.events.off("online", onOnline);
      connection.events.off("offline", onOffline);
      if (queue.size + inflight > 0) log.warn({ pending: queue.size + inflight }, "pubsub readings still pending at stop");
    },
    accept(reading) {
      const dropped = queue.push({ reading, acceptedAt: Date.now() });
      if (dropped && (queue.dropped === 1 || queue.dropped % 1000 === 0)) {
        log.warn({ dropped: queue.dropped, bound: options.maxPending }, "pubsub queue full: oldest readings dropped");
      }
      pump();
    },
    /** Waits until everything queued was acknowledged (or the timeout); true when drained. */
    async flush(timeoutMs) {
      if (queue.size === 0 && inflight === 0) return true;
      if (!connection.isOnline()) return false;
      return new Promise<boolean>((resolve) => {
        const done = (): void => { clearTimeout(timer); drainWaiters.delete(done); resolve(true); };
        const timer = setTimeout(() => { drainWaiters.delete(done); resolve(false); }, timeoutMs);
        drainWaiters.add(done);
      });
    },
    status(): SinkStatus & { rejected: number } {
      const oldest = queue.peek();
      return {
        name: "pubsub",
        connected: connection.isOnline(),
        pending: queue.size + inflight,
        ...(oldest ? { oldestPendingAgeS: (Date.now() - oldest.acceptedAt) / 1000 } : {}),
        dropped: queue.dropped,
        delivered,
        rejected,
        ...(lastAckAt !== undefined ? { lastAckAt } : {}),
      };
    },
  };
}
