import xml from "@xmpp/xml";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import type { Reading } from "../reading.js";
import { encodeSenmlXml } from "../senml/xml.js";
import { createOutbox, type Outbox } from "../outbox/index.js";
import { sinkStatus } from "../sinks/status.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import type { Connection } from "./connection.js";
import { createNodeManager, errorCondition, NS_PUBSUB, publishOptions, type NodeSettings } from "./pubsub-nodes.js";

export interface PubsubSinkOptions {
  /** Pubsub service JID; undefined = the agent's PEP. */
  readonly service: string | undefined;
  readonly nodePrefix: string;
  readonly settings: NodeSettings;
  /** Bound of the in-memory outbox used when no durable one is given. */
  readonly maxPending: number;
  /** Publish IQs in flight at once; a window keeps throughput up without an unbounded burst. */
  readonly window?: number;
}

export function nodeName(prefix: string, reading: Pick<Reading, "device" | "channel">): string {
  return `${prefix}${reading.device}/${reading.channel}`;
}

const TRANSIENT = new Set(["remote-server-timeout", "resource-constraint", "internal-server-error", "wait"]);

/** Pause before sending again after a transient refusal (wait, resource-constraint). */
const TRANSIENT_PAUSE_MS = 1000;

/**
 * One XEP-0060 node per channel. A reading leaves the outbox only when the publish IQ result
 * arrives; the item id is the reading's stable id, so a resend replaces (XEP-0060 section 7.1.2).
 * A new session (no XEP-0198 resumption) sends everything in flight again, in seq order: the old
 * requests will never be answered. A resumed session keeps them: the server answers them.
 */
export function createPubsubSink(deps: { connection: Connection; log: Logger; outbox?: Outbox }, options: PubsubSinkOptions): ReadingSink & { flush(timeoutMs: number): Promise<boolean> } {
  const { connection, log } = deps;
  const request = (element: Parameters<Connection["request"]>[0], timeoutMs?: number) => connection.request(element, timeoutMs);
  const nodes = createNodeManager({ request, log, service: options.service });
  const outbox = deps.outbox ?? createOutbox({ name: "pubsub", maxReadings: options.maxPending, log });
  const window = options.window ?? 32;
  const ensuring = new Map<string, Promise<void>>();
  let session = 0;
  let publishOptionsSupported = false;
  let running = false;
  let pausedUntil = 0;
  let pauseTimer: NodeJS.Timeout | undefined;
  const drainWaiters = new Set<() => void>();

  const onOnline = ({ resumed }: { resumed: boolean } = { resumed: false }): void => {
    if (resumed) return pump();
    session++;
    outbox.retryAll();
    nodes.forgetAll();
    void discoverFeatures().finally(pump);
  };

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

  function settle(): void {
    if (outbox.waiting === 0 && outbox.inflight === 0) for (const resolve of drainWaiters) resolve();
  }

  function pump(): void {
    if (Date.now() < pausedUntil) return;
    while (running && connection.isOnline() && outbox.inflight < window) {
      const entry = outbox.next();
      if (!entry) break;
      const sentIn = session;
      publish(entry.reading, false).then(
        () => { outbox.ack(entry); },
        (error: unknown) => {
          if (sentIn !== session) return; // already sent again on the new session
          const condition = errorCondition(error);
          if (!connection.isOnline() || condition === undefined || TRANSIENT.has(condition)) {
            outbox.retry(entry); // kept: sent again with the same item id
            if (connection.isOnline()) pause();
          } else {
            outbox.reject(entry);
            log.error({ node: nodeName(options.nodePrefix, entry.reading), err: messageOf(error) }, "reading rejected by the pubsub service");
          }
        },
      ).finally(() => {
        settle();
        pump();
      });
    }
  }

  function pause(): void {
    pausedUntil = Date.now() + TRANSIENT_PAUSE_MS;
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(pump, TRANSIENT_PAUSE_MS);
  }

  return {
    name: "pubsub",
    async start() {
      running = true;
      connection.events.on("online", onOnline);
      if (connection.isOnline()) onOnline();
    },
    async stop() {
      running = false;
      clearTimeout(pauseTimer);
      connection.events.off("online", onOnline);
      const { pending } = outbox.stats();
      if (pending > 0) log.warn({ pending, durable: outbox.stats().durable }, "pubsub readings still pending at stop");
      await outbox.close();
    },
    accept(reading) {
      outbox.push(reading);
      pump();
    },
    /** Waits until everything queued was acknowledged (or the timeout); true when drained. */
    async flush(timeoutMs) {
      if (outbox.stats().pending === 0) return true;
      if (!connection.isOnline()) return false;
      return new Promise<boolean>((resolve) => {
        const done = (): void => { clearTimeout(timer); drainWaiters.delete(done); resolve(true); };
        const timer = setTimeout(() => { drainWaiters.delete(done); resolve(false); }, timeoutMs);
        drainWaiters.add(done);
      });
    },
    status(): SinkStatus & { rejected: number; recovered: number; durable: boolean } {
      return sinkStatus("pubsub", connection.isOnline(), outbox.stats());
    },
  };
}
