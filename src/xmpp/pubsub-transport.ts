import xml from "@xmpp/xml";
import type { Logger } from "pino";
import type { BatchOptions } from "../delivery/batcher.js";
import { cachedDestination } from "../delivery/destination-cache.js";
import { followLinkEvents } from "../delivery/link-events.js";
import type { SendFailure, Transport } from "../delivery/types.js";
import { messageOf } from "../errors/catalog.js";
import type { OutboxEntry } from "../outbox/index.js";
import type { Reading } from "../readings/reading.js";
import type { Connection, ConnectionEvents } from "./connection.js";
import { createNodeManager, errorCondition, type NodeSettings } from "./pubsub-nodes.js";
import { createPublishOptions } from "./publish-options.js";
import { publishIq } from "./publish-iq.js";

export interface PubsubSinkOptions {
  /** Pubsub service JID; undefined = the agent's PEP. */
  readonly service: string | undefined;
  readonly nodePrefix: string;
  readonly settings: NodeSettings;
  /** Publish IQs in flight at once; a window keeps throughput up without an unbounded burst. */
  readonly window?: number;
  /** Readings of one node packed into one item (SenML pack), see src/delivery/batcher.ts; absent = one item per reading. */
  readonly batch?: BatchOptions;
}

export function nodeName(prefix: string, reading: Pick<Reading, "device" | "channel">): string {
  return `${prefix}${reading.device}/${reading.channel}`;
}

const TRANSIENT = new Set(["remote-server-timeout", "resource-constraint", "internal-server-error", "wait"]);
const RETRY: SendFailure = { kind: "retry" };

const PUBLISH_TIMEOUT_MS = 120_000;

const readingOf = (entry: OutboxEntry): Reading => entry.reading;
const answeredWell = (): undefined => undefined;
const failedWith = (error: unknown): unknown => error ?? new Error("publish failed");

/**
 * The pubsub sink's transport: one XEP-0060 node per channel, created and configured on first use;
 * a send is one publish IQ whose item id is the (first) reading's stable id, so a resend replaces
 * (XEP-0060 section 7.1.2). The delivery engine (src/delivery/engine.ts) acks, retries and resends.
 */
export function createPubsubTransport(deps: { connection: Connection; log: Logger }, options: PubsubSinkOptions): Transport {
  const { connection, log } = deps;
  const request = (element: Parameters<Connection["request"]>[0], timeoutMs?: number) => connection.request(element, timeoutMs);
  const nodes = createNodeManager({ request, log, service: options.service });
  const ensuring = new Map<string, Promise<void>>();
  const publishOptions = createPublishOptions({ log, service: options.service }, options.settings);
  const destination = cachedDestination((device, channel) => nodeName(options.nodePrefix, { device, channel }));
  // The stream error condition (RFC 6120 section 4.9.3): the engine judges whether a stanza of ours provoked it (poison.ts).
  const link = followLinkEvents<ConnectionEvents["online"][0], ConnectionEvents["offline"][0]>(connection.events, { resumed: (event) => event.resumed, cause: (event) => event.streamError });

  async function discoverFeatures(): Promise<void> {
    try {
      const info = await connection.request(xml("iq", { type: "get", to: options.service ?? connection.bareJid }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
      const features = info.getChild("query")?.getChildren("feature").map((f) => f.attrs["var"]) ?? [];
      publishOptions.setAdvertised(features.includes("http://jabber.org/protocol/pubsub#publish-options"));
    } catch (error) {
      log.warn({ service: options.service ?? "PEP", err: messageOf(error) }, "disco#info of the pubsub service failed");
    }
  }

  function ensureNode(node: string): Promise<void> {
    let pending = ensuring.get(node);
    if (!pending) {
      const started: Promise<void> = nodes.ensure(node, options.settings).finally(() => {
        if (ensuring.get(node) === started) ensuring.delete(node);
      });
      pending = started;
      ensuring.set(node, pending);
    }
    return pending;
  }

  /**
   * While a publish carrying publish-options is out, later publishes of that node wait for it: if
   * the service refuses an option, that item is sent again, and it must not land behind newer
   * items (the node's last item would be stale). Costs one round trip per node when options ride.
   */
  const checking = new Map<string, Promise<void>>();
  /**
   * Per node, the newest publish still waiting to send (for the node's creation or a check): a
   * later publish of that node queues behind it, so the node's items keep the readings' order
   * whenever the engine sends. Empty in the steady state, where a publish goes out at once.
   */
  const waiting = new Map<string, Promise<void>>();

  /**
   * One item: a single reading, or a batch of one node's readings whose id is its first reading's
   * id. Not async, and no promise but the request's when the node is ready and nothing waits (a
   * publish per reading under the unit's --no-opt: cachegrind counted ~10 % of a reading's cost).
   * `holdsGate`: a send again of a publish that holds (or skipped) its node's gate.
   */
  function publish(readings: readonly Reading[], retried: boolean, holdsGate = false): Promise<void> {
    const node = destination(readings[0]!);
    if (nodes.isReady(node) && (holdsGate || (!waiting.has(node) && !checking.has(node)))) return sendItem(readings, node, retried, holdsGate, undefined);
    return turn(node, holdsGate).then((sent) => sendItem(readings, node, retried, holdsGate, sent));
  }

  /** Waits until a publish of `node` may send; the function returned lets the next one go as this one's IQ leaves. */
  async function turn(node: string, holdsGate: boolean): Promise<() => void> {
    if (holdsGate) {
      if (!nodes.isReady(node)) await ensureNode(node);
      return () => undefined;
    }
    const before = waiting.get(node);
    let go!: () => void;
    const mine = new Promise<void>((resolve) => { go = resolve; });
    waiting.set(node, mine);
    const sent = (): void => {
      if (waiting.get(node) === mine) waiting.delete(node);
      go();
    };
    try {
      if (!nodes.isReady(node)) await ensureNode(node); // one creation for all who wait, failed for all alike
      if (before) await before;
      for (let held = checking.get(node); held; held = checking.get(node)) await held;
    } catch (error) {
      sent();
      throw error;
    }
    return sent;
  }

  function sendItem(readings: readonly Reading[], node: string, retried: boolean, holdsGate: boolean, sent: (() => void) | undefined): Promise<void> {
    const withOptions = publishOptions.take(node);
    let release: (() => void) | undefined;
    if (withOptions && !holdsGate) checking.set(node, new Promise<void>((resolve) => { release = resolve; }));
    const sentAt = Date.now();
    let answer: Promise<unknown>;
    try {
      // Long on purpose: a dead link is found by the ping and a new session resends everything in
      // flight; a resumed one (XEP-0198) gets its answers late, and an early timeout would resend a
      // publish the server is about to answer (a duplicate notification).
      answer = connection.request(publishIq(options.service, connection.bareJid, node, readings, withOptions), PUBLISH_TIMEOUT_MS);
    } catch (error) {
      answer = Promise.reject(error);
    }
    sent?.();
    const gated = release !== undefined;
    const failed = (error: unknown): Promise<void> => recover(error, readings, node, sentAt, retried, withOptions !== undefined, holdsGate || gated);
    if (!release) return answer.then(() => answered(sentAt), failed);
    const done = release;
    return answer.then(() => answered(sentAt), failed).finally(() => { checking.delete(node); done(); });
  }

  /** A publish failed: learn a refused option, create or reconfigure the node and send again once, or give up (rejects). */
  async function recover(error: unknown, readings: readonly Reading[], node: string, sentAt: number, retried: boolean, withOptions: boolean, holdsGate: boolean): Promise<void> {
    const condition = errorCondition(error);
    if (condition !== undefined) answered(sentAt);
    // A refused option is the service's answer about itself: learn it and send again at once.
    if (withOptions && condition !== "precondition-not-met" && connection.isOnline() && publishOptions.learn(error, node)) return await publish(readings, retried, holdsGate);
    if (retried || !connection.isOnline()) throw error;
    if (condition === "item-not-found") {
      nodes.forget(node); // deleted behind our back: create again and retry once
      return await publish(readings, true, holdsGate);
    }
    if (condition === "precondition-not-met") {
      await nodes.configure(node, options.settings); // XEP-0060 section 7.1.5: reconfigure, retry once
      publishOptions.recheck(node);
      return await publish(readings, true, holdsGate);
    }
    throw error;
  }

  function answered(sentAt: number): void {
    const rttMs = link.current()?.answered(sentAt);
    if (rttMs !== undefined) connection.answeredIn?.(rttMs);
  }

  return {
    name: "pubsub",
    peer: "pubsub service",
    window: { max: options.window ?? 32, adaptive: true },
    ...(options.batch ? { batch: options.batch } : {}),
    isOnline: () => connection.isOnline(),
    attach: link.attach,
    detach: link.detach,
    newSession() {
      ensuring.clear(); // node creations of the old session: failed by the connection, never answered
      nodes.forgetAll();
      publishOptions.reset();
      return discoverFeatures();
    },
    destination,
    send(entries: readonly OutboxEntry[], acknowledged) {
      // A node's items keep the readings' order by `waiting` and `checking`, not by when the engine hears.
      void publish(entries.map(readingOf), false).then(answeredWell, failedWith).then(acknowledged);
    },
    classify(error) {
      const condition = errorCondition(error);
      if (condition === undefined) return RETRY;
      if (TRANSIENT.has(condition)) return { kind: "transient", condition };
      return { kind: "refused", reason: `refused by the pubsub service: ${condition} (${messageOf(error)})` };
    },
  };
}
