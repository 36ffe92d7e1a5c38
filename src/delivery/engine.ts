import type { Logger } from "pino";
import { messageOf } from "../errors/catalog.js";
import type { Outbox, OutboxEntry } from "../outbox/index.js";
import { Batcher } from "./batcher.js";
import { createPoisonFinder } from "./poison.js";
import { createPublishWindow } from "./publish-window.js";
import { createSetAside, type SetAsideReading } from "./set-aside.js";
import { sinkStatus } from "./status.js";
import type { DeliveryLink, ReadingSink, SendFailure, SinkStatus, Transport } from "./types.js";

/** Pause before sending again after a failure on a live link (a timeout, the server overloaded). */
export const TRANSIENT_PAUSE_MS = 1000;

export type DeliveryStatus = SinkStatus & {
  rejected: number; recovered: number; durable: boolean; setAside: number; lastSetAside?: SetAsideReading; window: number;
};

export interface DeliverySink extends ReadingSink {
  /** Waits until everything queued was acknowledged (or the timeout); true when drained. */
  flush(timeoutMs: number): Promise<boolean>;
  /** The last readings set aside (refused as bad, or proven to close the stream). */
  setAside(): readonly SetAsideReading[];
  status(): DeliveryStatus;
}

const RETRY: SendFailure = { kind: "retry" };

/**
 * "No reading lost" for every sink: a reading leaves the outbox only when the transport's server
 * acknowledged it (or refused it as bad: then it is set aside and counted); everything else is
 * sent again with the same id, in seq order, after a reconnect. Sends in flight are bounded by a
 * window; readings meanwhile wait in the bounded outbox.
 */
export function createDeliverySink(deps: { transport: Transport; outbox: Outbox; log: Logger }): DeliverySink {
  const { transport, outbox, log } = deps;
  const maxWindow = transport.window.max;
  // Adaptive only when the transport reports answer times: without them it could never grow back.
  const window = transport.window.adaptive ? createPublishWindow({ max: maxWindow }) : { size: maxWindow, answered() {}, refused() {} };
  const poison = createPoisonFinder();
  const setAside = createSetAside({ log, peer: transport.peer });
  const batcher = transport.batch ? new Batcher<OutboxEntry>(transport.batch) : undefined;
  /** Entries whose send was started in the current link session and has not settled. */
  let sending = new Set<OutboxEntry>();
  let session = 0;
  /** Answers to sends made before this (a resumed session's) measured the outage, not the server. */
  let onlineAt = 0;
  let running = false;
  let pausedUntil = 0;
  let pauseTimer: NodeJS.Timeout | undefined;
  const drainWaiters = new Set<() => void>();
  let batchesInflight = 0;
  let batchTimer: NodeJS.Timeout | undefined;
  let batchTimerAt = 0;

  const link: DeliveryLink = {
    online(resumed) {
      onlineAt = Date.now();
      if (resumed) return pump();
      session++;
      batcher?.clear(); // held entries are in flight for the outbox: retryAll hands them back
      batchesInflight = 0; // the old session's sends will never be answered
      sending = new Set();
      outbox.retryAll();
      if (!transport.newSession) return pump();
      transport.newSession().then(pump, (error: unknown) => {
        log.warn({ err: messageOf(error) }, "preparing the new session failed; sending anyway");
        pump();
      });
    },
    offline(cause) {
      // If a send of ours killed the link (poison.ts), find it and set it aside.
      const inflight = [...sending];
      const guilty = poison.onStreamDeath(cause, inflight);
      if (guilty) setAsideEntry(guilty, `the server closed the stream (${cause}) each time this reading was sent alone`);
      else if (poison.probing && cause !== undefined && inflight.length > 0) {
        log.warn({ streamError: cause, inflight: inflight.length }, "the server closed the stream with readings in flight; sending them one at a time to find the one it refuses");
      }
    },
    answered(sentAt) {
      if (sentAt < onlineAt) return undefined;
      const rttMs = Date.now() - sentAt;
      const before = window.size;
      window.answered(rttMs);
      // Logged when backing off starts and when it ends, not for every halving in between.
      if (window.size < before && before === maxWindow) log.info({ rttMs, window: window.size }, "publish answers are slow: fewer publishes in flight");
      else if (window.size === maxWindow && before < maxWindow) log.info({ window: window.size }, "publish answers are quick again: full window");
      return rttMs;
    },
  };

  function settle(): void {
    if (drainWaiters.size > 0 && outbox.waiting === 0 && outbox.inflight === 0) for (const resolve of drainWaiters) resolve();
  }

  function send(entries: readonly OutboxEntry[], batched: boolean): void {
    const sentIn = session;
    const mine = sending;
    for (let i = 0; i < entries.length; i++) mine.add(entries[i]!);
    transport.send(entries, (failure?: unknown) => {
      if (failure === undefined) {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!;
          if (outbox.ack(entry)) poison.settled(entry.seq);
        }
      } else if (sentIn === session) failed(entries, failure); // else: already sent again on the new session
      for (let i = 0; i < entries.length; i++) mine.delete(entries[i]!);
      if (batched && sentIn === session) batchesInflight--;
      settle();
      pump();
    });
  }

  function failed(entries: readonly OutboxEntry[], failure: unknown): void {
    const judged = transport.isOnline() ? transport.classify(failure) : RETRY;
    if (judged.kind !== "refused") {
      for (const entry of entries) outbox.retry(entry); // kept: sent again with the same id
      if (judged.kind === "transient") shrink(judged.condition);
      if (transport.isOnline()) pause();
    } else if (entries.length > 1) {
      // A batch refused as bad: send its readings one by one, so only the bad one is set aside.
      for (const entry of [...entries, ...(batcher?.clear() ?? [])]) outbox.retry(entry);
      poison.probe(Math.max(...entries.map((e) => e.seq)));
    } else {
      setAsideEntry(entries[0]!, judged.reason);
    }
  }

  function setAsideEntry(entry: OutboxEntry, reason: string): void {
    outbox.reject(entry);
    poison.settled(entry.seq);
    setAside.add(entry, transport.destination(entry.reading), reason);
  }

  function pump(): void {
    // Runs per reading and per ack: the clock is read only while a pause is set.
    if (pausedUntil !== 0) {
      if (Date.now() < pausedUntil) return;
      pausedUntil = 0;
    }
    if (poison.probing) return pumpOne();
    if (batcher) return pumpBatches(batcher);
    // The window check first: during a burst it is the one that fails (pump runs per reading).
    while (running && outbox.inflight < window.size && transport.isOnline()) {
      const entry = outbox.next();
      if (!entry) break;
      send([entry], false);
    }
  }

  /** Probing: one reading in flight at a time, unbatched, until the suspects are through. */
  function pumpOne(): void {
    if (!running || !transport.isOnline() || sending.size > 0) return;
    const entry = outbox.next();
    if (entry) send([entry], false);
    else poison.idle();
  }

  /**
   * Batched: entries leave the outbox (in flight for it) into per-destination groups, at most
   * enough to fill every send slot; `window` bounds batches in flight, as it bounds single sends.
   */
  function pumpBatches(b: Batcher<OutboxEntry>): void {
    if (!running || !transport.isOnline()) return;
    const hold = maxWindow * transport.batch!.maxReadings;
    while (b.size < hold) {
      const entry = outbox.next();
      if (!entry) break;
      b.add(transport.destination(entry.reading), entry);
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

  function shrink(condition: string): void {
    const before = window.size;
    window.refused();
    if (window.size < before) log.info({ condition, window: window.size }, "the server refused a publish as overloaded: one publish in flight");
  }

  function pause(): void {
    pausedUntil = Date.now() + TRANSIENT_PAUSE_MS;
    clearTimeout(pauseTimer);
    // The timer ends the pause itself: a timer may fire a little before Date.now() passes pausedUntil.
    pauseTimer = setTimeout(() => { pausedUntil = 0; pump(); }, TRANSIENT_PAUSE_MS);
  }

  return {
    name: transport.name,
    async start() {
      running = true;
      transport.attach(link);
      if (transport.isOnline()) link.online(false);
    },
    async stop() {
      running = false;
      clearTimeout(pauseTimer);
      clearTimeout(batchTimer);
      transport.detach();
      const { pending, durable } = outbox.stats();
      if (pending > 0) log.warn({ pending, durable }, `${transport.name} readings still pending at stop`);
      await outbox.close();
    },
    accept(reading) {
      transport.noteAccepted?.(reading);
      outbox.push(reading);
      pump();
    },
    setAside: () => setAside.recent(),
    async flush(timeoutMs) {
      if (outbox.stats().pending === 0) return true;
      if (!transport.isOnline()) return false;
      return new Promise<boolean>((resolve) => {
        const done = (): void => { clearTimeout(timer); drainWaiters.delete(done); resolve(true); };
        const timer = setTimeout(() => { drainWaiters.delete(done); resolve(false); }, timeoutMs);
        drainWaiters.add(done);
      });
    },
    status() {
      const last = setAside.recent().at(-1);
      return { ...sinkStatus(transport.name, transport.isOnline(), outbox.stats()), setAside: setAside.count, ...(last ? { lastSetAside: last } : {}), window: window.size };
    },
  };
}
