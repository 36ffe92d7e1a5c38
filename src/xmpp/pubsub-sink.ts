import xml from "@xmpp/xml";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import type { Reading } from "../reading.js";
import { encodeSenmlXml } from "../senml/xml.js";
import { createOutbox, type Outbox, type OutboxEntry } from "../outbox/index.js";
import { Batcher, type BatchOptions } from "../sinks/batcher.js";
import { sinkStatus } from "../sinks/status.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import type { Connection } from "./connection.js";
import { element } from "./element.js";
import { createNodeManager, errorCondition, NS_PUBSUB, type NodeSettings } from "./pubsub-nodes.js";
import { createPoisonFinder } from "./poison.js";
import { createPublishOptions } from "./publish-options.js";
import { createSetAside, type SetAsideReading } from "./set-aside.js";
import { createPublishWindow } from "./publish-window.js";

export interface PubsubSinkOptions {
  /** Pubsub service JID; undefined = the agent's PEP. */
  readonly service: string | undefined;
  readonly nodePrefix: string;
  readonly settings: NodeSettings;
  /** Bound of the in-memory outbox used when no durable one is given. */
  readonly maxPending: number;
  /** Publish IQs in flight at once; a window keeps throughput up without an unbounded burst. */
  readonly window?: number;
  /** Readings of one node packed into one item (SenML pack), see src/sinks/batcher.ts; absent = one item per reading. */
  readonly batch?: BatchOptions;
}

export function nodeName(prefix: string, reading: Pick<Reading, "device" | "channel">): string {
  return `${prefix}${reading.device}/${reading.channel}`;
}

const TRANSIENT = new Set(["remote-server-timeout", "resource-constraint", "internal-server-error", "wait"]);

const PUBLISH_TIMEOUT_MS = 120_000;
/** Pause before sending again after a transient refusal (wait, resource-constraint). */
const TRANSIENT_PAUSE_MS = 1000;

/**
 * One XEP-0060 node per channel. A reading leaves the outbox only when the publish IQ result
 * arrives; the item id is the reading's stable id, so a resend replaces (XEP-0060 section 7.1.2).
 * A new session (no XEP-0198 resumption) sends everything in flight again, in seq order: the old
 * requests will never be answered. A resumed session keeps them: the server answers them.
 */
export function createPubsubSink(deps: { connection: Connection; log: Logger; outbox?: Outbox }, options: PubsubSinkOptions): ReadingSink & { flush(timeoutMs: number): Promise<boolean>; setAside(): readonly SetAsideReading[] } {
  const { connection, log } = deps;
  const request = (element: Parameters<Connection["request"]>[0], timeoutMs?: number) => connection.request(element, timeoutMs);
  const nodes = createNodeManager({ request, log, service: options.service });
  const outbox = deps.outbox ?? createOutbox({ name: "pubsub", maxReadings: options.maxPending, log });
  const maxWindow = options.window ?? 32;
  // Publishes in flight: the window shrinks while the server's answers are slow (publish-window.ts).
  const window = createPublishWindow({ max: maxWindow });
  const ensuring = new Map<string, Promise<void>>();
  const poison = createPoisonFinder();
  const setAside = createSetAside({ log });
  /** Entries whose publish was started on this session and has not settled. */
  let sending = new Set<OutboxEntry>();
  let session = 0;
  /** Answers to publishes sent before this (a resumed session's) measured the outage, not the server. */
  let onlineAt = 0;
  let running = false;
  let pausedUntil = 0;
  let pauseTimer: NodeJS.Timeout | undefined;
  const drainWaiters = new Set<() => void>();
  const publishOptions = createPublishOptions({ log, service: options.service }, options.settings);
  const batcher = options.batch ? new Batcher<OutboxEntry>(options.batch) : undefined;
  let batchesInflight = 0;
  let batchTimer: NodeJS.Timeout | undefined;
  let batchTimerAt = 0;

  const onOnline = ({ resumed }: { resumed: boolean } = { resumed: false }): void => {
    onlineAt = Date.now();
    if (resumed) return pump();
    session++;
    batcher?.clear(); // held entries are in flight for the outbox: retryAll hands them back
    batchesInflight = 0; // the old session's requests will never be answered
    sending = new Set();
    ensuring.clear(); // node creations of the old session: failed by the connection, never answered
    outbox.retryAll();
    nodes.forgetAll();
    publishOptions.reset();
    void discoverFeatures().finally(pump);
  };

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

  /** One item: a single reading, or a batch of one node's readings whose id is its first reading's id. */
  async function publish(readings: readonly Reading[], retried: boolean, holdsGate = false): Promise<void> {
    const first = readings[0]!;
    const node = nodeName(options.nodePrefix, first);
    if (!nodes.isReady(node)) await ensureNode(node);
    if (!holdsGate) for (let held = checking.get(node); held; held = checking.get(node)) await held;
    const withOptions = publishOptions.take(node);
    let release: (() => void) | undefined;
    if (withOptions && !holdsGate) checking.set(node, new Promise<void>((resolve) => { release = resolve; }));
    const again = (retry: boolean): Promise<void> => publish(readings, retry, holdsGate || release !== undefined);
    const pubsub = element("pubsub", { xmlns: NS_PUBSUB },
      element("publish", { node }, element("item", { id: first.id }, encodeSenmlXml(connection.bareJid, readings))),
      withOptions);
    const sentAt = Date.now();
    try {
      // Long on purpose: a dead link is found by the ping and a new session resends everything in
      // flight; a resumed one (XEP-0198) gets its answers late, and an early timeout would resend a
      // publish the server is about to answer (a duplicate notification).
      await connection.request(element("iq", options.service === undefined ? { type: "set" } : { type: "set", to: options.service }, pubsub), PUBLISH_TIMEOUT_MS);
      answered(sentAt);
    } catch (error) {
      const condition = errorCondition(error);
      if (condition !== undefined) answered(sentAt);
      // A refused option is the service's answer about itself: learn it and send again at once.
      if (withOptions && condition !== "precondition-not-met" && connection.isOnline() && publishOptions.learn(error, node)) return await again(retried);
      if (retried || !connection.isOnline()) throw error;
      if (condition === "item-not-found") {
        nodes.forget(node); // deleted behind our back: create again and retry once
        return await again(true);
      }
      if (condition === "precondition-not-met") {
        await nodes.configure(node, options.settings); // XEP-0060 section 7.1.5: reconfigure, retry once
        publishOptions.recheck(node);
        return await again(true);
      }
      throw error;
    } finally {
      if (release) { checking.delete(node); release(); }
    }
  }

  function settle(): void {
    if (outbox.waiting === 0 && outbox.inflight === 0) for (const resolve of drainWaiters) resolve();
  }

  function send(entries: readonly OutboxEntry[], batched: boolean): void {
    const sentIn = session;
    const mine = sending;
    for (const entry of entries) mine.add(entry);
    void publish(entries.map((e) => e.reading), false).then(
      () => {
        for (const entry of entries) if (outbox.ack(entry)) poison.settled(entry.seq);
      },
      (error: unknown) => {
        if (sentIn !== session) return; // already sent again on the new session
        const condition = errorCondition(error);
        if (!connection.isOnline() || condition === undefined || TRANSIENT.has(condition)) {
          for (const entry of entries) outbox.retry(entry); // kept: sent again with the same item id
          if (condition !== undefined && TRANSIENT.has(condition)) shrink(() => window.refused(), condition);
          if (connection.isOnline()) pause();
        } else if (entries.length > 1) {
          // A batch refused as bad: send its readings one by one, so only the bad one is set aside.
          for (const entry of [...entries, ...(batcher?.clear() ?? [])]) outbox.retry(entry);
          poison.probe(Math.max(...entries.map((e) => e.seq)));
        } else {
          setAsideEntry(entries[0]!, `refused by the pubsub service: ${condition} (${messageOf(error)})`);
        }
      },
    ).finally(() => {
      for (const entry of entries) mine.delete(entry);
      if (batched && sentIn === session) batchesInflight--;
      settle();
      pump();
    });
  }

  function setAsideEntry(entry: OutboxEntry, reason: string): void {
    outbox.reject(entry);
    poison.settled(entry.seq);
    setAside.add(entry, nodeName(options.nodePrefix, entry.reading), reason);
  }

  /** The stream died: if a stanza of ours killed it (poison.ts), find it and set it aside. */
  const onOffline = ({ streamError }: { streamError?: string }): void => {
    const inflight = [...sending];
    const guilty = poison.onStreamDeath(streamError, inflight);
    if (guilty) setAsideEntry(guilty, `the server closed the stream (${streamError}) each time this reading was sent alone`);
    else if (poison.probing && streamError !== undefined && inflight.length > 0) {
      log.warn({ streamError, inflight: inflight.length }, "the server closed the stream with readings in flight; sending them one at a time to find the one it refuses");
    }
  };

  function pump(): void {
    if (Date.now() < pausedUntil) return;
    if (poison.probing) return pumpOne();
    if (batcher) return pumpBatches(batcher);
    while (running && connection.isOnline() && outbox.inflight < window.size) {
      const entry = outbox.next();
      if (!entry) break;
      send([entry], false);
    }
  }

  /** Probing: one reading in flight at a time, unbatched, until the suspects are through. */
  function pumpOne(): void {
    if (!running || !connection.isOnline() || sending.size > 0) return;
    const entry = outbox.next();
    if (entry) send([entry], false);
    else poison.idle();
  }

  /**
   * Batched: entries leave the outbox (in flight for it) into per-node groups, at most enough to
   * fill every publish slot; `window` bounds batch IQs in flight, as it bounds single ones above.
   */
  function pumpBatches(b: Batcher<OutboxEntry>): void {
    if (!running || !connection.isOnline()) return;
    const hold = maxWindow * options.batch!.maxReadings;
    while (b.size < hold) {
      const entry = outbox.next();
      if (!entry) break;
      b.add(nodeName(options.nodePrefix, entry.reading), entry);
    }
    while (batchesInflight < window.size) {
      const batch = b.take();
      if (!batch) break;
      batchesInflight++;
      send(batch.items, true);
    }
    // One timer for the oldest open group; re-armed only when that changes (pump runs per reading).
    const due = batchesInflight >= window.size ? undefined : b.nextDueAt();
    if (due === batchTimerAt && batchTimer) return;
    clearTimeout(batchTimer);
    batchTimer = undefined;
    batchTimerAt = due ?? 0;
    if (due !== undefined) batchTimer = setTimeout(() => { batchTimer = undefined; pump(); }, Math.max(0, due - Date.now()));
  }

  function answered(sentAt: number): void {
    if (sentAt < onlineAt) return;
    const rttMs = Date.now() - sentAt;
    connection.answeredIn?.(rttMs);
    const before = window.size;
    window.answered(rttMs);
    // Logged when backing off starts and when it ends, not for every halving in between.
    if (window.size < before && before === maxWindow) log.info({ rttMs, window: window.size }, "publish answers are slow: fewer publishes in flight");
    else if (window.size === maxWindow && before < maxWindow) log.info({ window: window.size }, "publish answers are quick again: full window");
  }

  function shrink(cut: () => void, condition: string): void {
    const before = window.size;
    cut();
    if (window.size < before) log.info({ condition, window: window.size }, "the server refused a publish as overloaded: one publish in flight");
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
      connection.events.on("offline", onOffline);
      if (connection.isOnline()) onOnline();
    },
    async stop() {
      running = false;
      clearTimeout(pauseTimer);
      clearTimeout(batchTimer);
      connection.events.off("online", onOnline);
      connection.events.off("offline", onOffline);
      const { pending } = outbox.stats();
      if (pending > 0) log.warn({ pending, durable: outbox.stats().durable }, "pubsub readings still pending at stop");
      await outbox.close();
    },
    accept(reading) {
      outbox.push(reading);
      pump();
    },
    /** The last readings set aside (refused as bad, or proven to close the stream). */
    setAside: () => setAside.recent(),
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
    status(): SinkStatus & { rejected: number; recovered: number; durable: boolean; setAside: number; lastSetAside?: SetAsideReading; window: number } {
      const last = setAside.recent().at(-1);
      return { ...sinkStatus("pubsub", connection.isOnline(), outbox.stats()), setAside: setAside.count, ...(last ? { lastSetAside: last } : {}), window: window.size };
    },
  };
}
