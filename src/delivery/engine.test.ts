import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logging/log.js";
import { createOutbox } from "../outbox/index.js";
import type { BatchOptions } from "./batcher.js";
import { createDeliverySink, TRANSIENT_PAUSE_MS } from "./engine.js";
import type { Acknowledge, DeliveryLink, SendFailure, Transport } from "./types.js";

const log = createLogger({ level: "silent" });

/** The transport is the engine's boundary: this one records each send and lets the test answer it. */
function fakeTransport(options: { window?: number; adaptive?: boolean; batch?: BatchOptions } = {}) {
  let online = true;
  let link: DeliveryLink | undefined;
  const sent: Array<{ ids: string[]; acknowledged: Acknowledge; at: number }> = [];
  const transport: Transport = {
    name: "fake",
    peer: "fake server",
    window: { max: options.window ?? 4, adaptive: options.adaptive ?? false },
    ...(options.batch ? { batch: options.batch } : {}),
    isOnline: () => online,
    attach(to) { link = to; },
    detach() { link = undefined; },
    destination: (reading) => `${reading.device}/${reading.channel}`,
    send(entries, acknowledged) { sent.push({ ids: entries.map((e) => e.reading.id), acknowledged, at: Date.now() }); },
    // The fake fails a send with the verdict itself.
    classify: (failure) => failure as SendFailure,
  };
  return {
    transport, sent,
    ids: () => sent.map((s) => s.ids.join("+")),
    up(resumed = false) { online = true; link!.online(resumed); },
    down(cause?: string) { online = false; link!.offline(cause); },
  };
}

function sinkWith(fake: ReturnType<typeof fakeTransport>, maxReadings = 100) {
  return createDeliverySink({ transport: fake.transport, outbox: createOutbox({ name: "fake", maxReadings, log }), log });
}

const reading = (n: number, channel = "c") => ({ device: "d", channel, value: n, time: 1_764_000_000 + n, id: `r${n}` });

describe("delivery engine", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("a reading leaves the outbox only on the server's ack", async () => {
    const fake = fakeTransport();
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    sink.accept(reading(1));
    expect(fake.ids()).toEqual(["r1"]);
    expect(sink.status()).toMatchObject({ name: "fake", connected: true, pending: 1, delivered: 0 });
    fake.sent[0]!.acknowledged();
    expect(sink.status()).toMatchObject({ pending: 0, delivered: 1, rejected: 0, setAside: 0 });
    await sink.stop();
  });

  it("keeps at most the window of sends in flight", async () => {
    const fake = fakeTransport({ window: 2 });
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    for (let i = 1; i <= 5; i++) sink.accept(reading(i));
    expect(fake.ids()).toEqual(["r1", "r2"]);
    fake.sent[1]!.acknowledged();
    expect(fake.ids()).toEqual(["r1", "r2", "r3"]);
    fake.sent[0]!.acknowledged();
    fake.sent[2]!.acknowledged();
    expect(fake.ids()).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(sink.status().pending).toBe(2);
    await sink.stop();
  });

  it("a new session sends what was in flight again, in seq order, with the same ids; a late failure of the old one changes nothing", async () => {
    const fake = fakeTransport({ window: 2 });
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    for (let i = 1; i <= 3; i++) sink.accept(reading(i));
    fake.down();
    fake.sent[1]!.acknowledged(new Error("connection closed")); // failed while offline: kept
    expect(fake.ids()).toEqual(["r1", "r2"]);
    fake.up(false);
    expect(fake.ids()).toEqual(["r1", "r2", "r1", "r2"]);
    fake.sent[0]!.acknowledged(new Error("the old session's request failed late"));
    expect(fake.ids()).toEqual(["r1", "r2", "r1", "r2"]);
    fake.sent[2]!.acknowledged();
    fake.sent[3]!.acknowledged();
    fake.sent[4]!.acknowledged();
    expect(fake.ids().slice(4)).toEqual(["r3"]);
    expect(sink.status()).toMatchObject({ pending: 0, delivered: 3, dropped: 0 });
    await sink.stop();
  });

  it("a resumed session keeps the sends in flight: their answers still count, nothing is sent twice", async () => {
    const fake = fakeTransport();
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    sink.accept(reading(1));
    fake.down();
    fake.up(true);
    expect(fake.ids()).toEqual(["r1"]);
    fake.sent[0]!.acknowledged();
    expect(sink.status()).toMatchObject({ pending: 0, delivered: 1 });
    await sink.stop();
  });

  it("a transient refusal pauses sending and cuts the window to one; the reading goes again with its id", async () => {
    const fake = fakeTransport({ window: 8, adaptive: true });
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    sink.accept(reading(1));
    sink.accept(reading(2));
    fake.sent[0]!.acknowledged({ kind: "transient", condition: "resource-constraint" });
    expect(sink.status().window).toBe(1);
    sink.accept(reading(3));
    expect(fake.ids()).toEqual(["r1", "r2"]); // paused
    vi.advanceTimersByTime(TRANSIENT_PAUSE_MS - 1);
    expect(fake.ids()).toEqual(["r1", "r2"]);
    fake.sent[1]!.acknowledged();
    vi.advanceTimersByTime(1);
    expect(fake.ids()).toEqual(["r1", "r2", "r1"]); // one in flight
    expect(sink.status()).toMatchObject({ pending: 2, delivered: 1, rejected: 0 });
    await sink.stop();
  });

  it("a batch refused as bad goes again one reading at a time; only the bad one is set aside", async () => {
    const fake = fakeTransport({ batch: { windowMs: 50, maxReadings: 3 } });
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    for (let i = 1; i <= 3; i++) sink.accept(reading(i));
    expect(fake.ids()).toEqual(["r1+r2+r3"]);
    fake.sent[0]!.acknowledged({ kind: "refused", reason: "bad-request" });
    expect(fake.ids()).toEqual(["r1+r2+r3", "r1"]);
    fake.sent[1]!.acknowledged();
    fake.sent[2]!.acknowledged({ kind: "refused", reason: "bad-request" });
    fake.sent[3]!.acknowledged();
    expect(fake.ids()).toEqual(["r1+r2+r3", "r1", "r2", "r3"]);
    expect(sink.status()).toMatchObject({ pending: 0, delivered: 2, rejected: 1, setAside: 1, lastSetAside: { id: "r2", destination: "d/c", reason: "bad-request" } });
    // Probing is over: readings are batched again.
    for (let i = 4; i <= 6; i++) sink.accept(reading(i));
    expect(fake.ids().at(-1)).toBe("r4+r5+r6");
    await sink.stop();
  });

  it("a single reading refused on a live link is set aside, counted, and the rest flows", async () => {
    const fake = fakeTransport({ window: 1 });
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    sink.accept(reading(1));
    sink.accept(reading(2));
    fake.sent[0]!.acknowledged({ kind: "refused", reason: "not authorized" });
    expect(fake.ids()).toEqual(["r1", "r2"]);
    fake.sent[1]!.acknowledged();
    expect(sink.status()).toMatchObject({ pending: 0, delivered: 1, rejected: 1, setAside: 1 });
    expect(sink.setAside().map((r) => r.id)).toEqual(["r1"]);
    await sink.stop();
  });

  it("a reading whose send kills the link each time it goes alone is set aside", async () => {
    const fake = fakeTransport();
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    sink.accept(reading(1));
    sink.accept(reading(2));
    fake.down("policy-violation"); // two in flight: probe one at a time
    fake.up();
    expect(fake.ids()).toEqual(["r1", "r2", "r1"]);
    fake.sent[2]!.acknowledged();
    fake.down("policy-violation");
    fake.up();
    fake.down("policy-violation");
    expect(sink.status()).toMatchObject({ setAside: 1, rejected: 1, delivered: 1, pending: 0 });
    expect(sink.status().lastSetAside?.reason).toBe("the server closed the stream (policy-violation) each time this reading was sent alone");
    await sink.stop();
  });

  it("flush waits for the acks, gives up at its timeout, and does not wait on a link that is down", async () => {
    const fake = fakeTransport();
    const sink = sinkWith(fake);
    await sink.start(new AbortController().signal);
    expect(await sink.flush(10)).toBe(true);
    sink.accept(reading(1));
    const flushed = sink.flush(1000);
    fake.sent[0]!.acknowledged();
    expect(await flushed).toBe(true);
    sink.accept(reading(2));
    const late = sink.flush(1000);
    vi.advanceTimersByTime(1000);
    expect(await late).toBe(false);
    fake.down();
    expect(await sink.flush(1000)).toBe(false);
    await sink.stop();
  });
});
