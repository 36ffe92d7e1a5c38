import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLiveness } from "./liveness.js";

const log = pino({ level: "silent" });
const timeout = (): Error => Object.assign(new Error(""), { name: "TimeoutError" });

/** A ping the test answers (or never answers) by hand; `timeoutMs` rejects it like xmpp.js does. */
function manualPing() {
  let answer: (() => void) | undefined;
  const ping = (timeoutMs: number) => new Promise<void>((resolve, reject) => {
    answer = resolve;
    setTimeout(() => reject(timeout()), timeoutMs);
  });
  return { ping, answer: () => answer?.() };
}

describe("liveness: a late ping is not a dead link while other traffic arrives", { timeout: 10_000 }, () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("an answer in time is answered", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    const p = manualPing();
    const verdict = watch.probe(p.ping);
    await vi.advanceTimersByTimeAsync(300);
    p.answer();
    expect(await verdict).toBe("answered");
  });

  it("silence for the timeout after the ping is dead, whatever arrived before it", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    watch.inbound(); // before the ping: proves nothing about the link now
    const verdict = watch.probe(manualPing().ping);
    await vi.advanceTimersByTimeAsync(999);
    let done = false;
    void verdict.then(() => { done = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(await verdict).toBe("dead");
  });

  it("silence while the server's host acknowledges every byte waits up to 6 x the timeout, then is dead", async () => {
    const watch = createLiveness({ log, unacknowledged: async () => 0 }, { timeoutMs: 1000, maxWaitMs: 4000 });
    const verdict = watch.probe(manualPing().ping);
    let done = false;
    void verdict.then(() => { done = true; });
    await vi.advanceTimersByTimeAsync(5900);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(await verdict).toBe("dead");
  });

  it("a busy server that speaks again within 6 x the timeout is slow, not dead", async () => {
    const watch = createLiveness({ log, unacknowledged: async () => 0 }, { timeoutMs: 1000, maxWaitMs: 4000 });
    const p = manualPing();
    const verdict = watch.probe(p.ping);
    await vi.advanceTimersByTimeAsync(3000);
    watch.inbound();
    p.answer();
    expect(await verdict).toBe("slow");
  });

  it("silence with our bytes unacknowledged (or unknown) is dead at the timeout", async () => {
    for (const unacknowledged of [async () => 120, async () => undefined]) {
      const watch = createLiveness({ log, unacknowledged }, { timeoutMs: 1000, maxWaitMs: 4000 });
      const verdict = watch.probe(manualPing().ping);
      await vi.advanceTimersByTimeAsync(1001);
      expect(await verdict).toBe("dead");
    }
  });

  it("traffic during the wait keeps the link alive; a late answer then is slow", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    const p = manualPing();
    const verdict = watch.probe(p.ping);
    // Other answers arrive every 600 ms for 4 s: never 1000 ms of silence.
    for (let t = 0; t < 4000; t += 600) { await vi.advanceTimersByTimeAsync(600); watch.inbound(); }
    p.answer();
    expect(await verdict).toBe("slow");
  });

  it("traffic that stops while the ping waits is dead one timeout after the last element", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    const start = Date.now();
    const verdict = watch.probe(manualPing().ping);
    await vi.advanceTimersByTimeAsync(800);
    watch.inbound();
    await vi.advanceTimersByTimeAsync(800);
    watch.inbound(); // last sign of life at 1600 ms
    await vi.advanceTimersByTimeAsync(2000);
    expect(await verdict).toBe("dead");
    expect(Date.now() - start).toBeGreaterThanOrEqual(2600);
  });

  it("a ping never answered while traffic flows ends after maxWaitMs as slow, not dead", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 5000 });
    const verdict = watch.probe(manualPing().ping);
    for (let t = 0; t < 6000; t += 500) { await vi.advanceTimersByTimeAsync(500); watch.inbound(); }
    expect(await verdict).toBe("slow");
  });

  it("a session that ends under the ping ends the probe, with no round trip recorded", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    const verdict = watch.probe(() => new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error("the XMPP session ended"), { name: "IotError" })), 800)));
    await vi.advanceTimersByTimeAsync(800);
    expect(await verdict).toBe("ended");
    expect(watch.allowedSilenceMs).toBe(1000);
  });

  it("an error reply is an answer (the server is there)", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 10_000 });
    const verdict = watch.probe(() => Promise.reject(Object.assign(new Error("service-unavailable"), { name: "StanzaError" })));
    expect(await verdict).toBe("answered");
  });

  it("after late answers, a longer silence is allowed (3x the slowest recent round trip, at most 6x the timeout)", async () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 20_000 });
    const p = manualPing();
    const first = watch.probe(p.ping);
    for (let t = 0; t < 2500; t += 500) { await vi.advanceTimersByTimeAsync(500); watch.inbound(); }
    p.answer(); // 2.5 s late, with traffic meanwhile
    expect(await first).toBe("slow");
    expect(watch.allowedSilenceMs).toBe(6000);
    const start = Date.now();
    const second = watch.probe(manualPing().ping);
    await vi.advanceTimersByTimeAsync(7000);
    expect(await second).toBe("dead");
    expect(Date.now() - start).toBeGreaterThanOrEqual(6000);
    const q = manualPing();
    const third = watch.probe(q.ping);
    await vi.advanceTimersByTimeAsync(100);
    q.answer();
    expect(await third).toBe("answered");
    // A quick answer alone does not shrink it while a slow one is among the last five.
    expect(watch.allowedSilenceMs).toBe(6000);
  });

  it("any answered request counts: a publish answered 1.5 s late allows 4.5 s of silence", () => {
    const watch = createLiveness({ log }, { timeoutMs: 1000, maxWaitMs: 20_000 });
    expect(watch.allowedSilenceMs).toBe(1000);
    watch.observe(1500);
    expect(watch.allowedSilenceMs).toBe(4500);
    for (let i = 0; i < 5; i++) watch.observe(20); // five quick answers push the slow one out
    expect(watch.allowedSilenceMs).toBe(1000);
  });
});

describe("liveness: a stall of this process is not the server's silence", { timeout: 10_000 }, () => {
  it("bytes that arrived while the process was busy are read before the verdict", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    const serverSide = await accepted;
    try {
      const watch = createLiveness({ log }, { timeoutMs: 100, maxWaitMs: 5000 });
      client.on("data", () => watch.inbound());
      const p = manualPing();
      const verdict = watch.probe(p.ping);
      serverSide.write("<a xmlns='urn:xmpp:sm:3' h='1'/>"); // in the kernel at once, read by the loop later
      const until = Date.now() + 300;
      while (Date.now() < until) { /* this process busy (GC, a loaded host) past the 100 ms deadline */ }
      setTimeout(() => p.answer(), 50);
      expect(await verdict).toBe("slow");
    } finally {
      client.destroy();
      serverSide.destroy();
      server.close();
    }
  });
});
