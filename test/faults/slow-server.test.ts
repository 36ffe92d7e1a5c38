import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkStatus } from "../../src/delivery/types.js";
import { type FaultAgent, type RestartableProsody, startFaultBed, type FaultBed, printLogOnFailure } from "./bed.js";
import { msToNoticeDropped } from "../harness/blackhole.js";
import type { FaultProxy } from "../harness/proxy.js";
import { eventually } from "../harness/wait.js";

const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 1500;
/** Every server-to-agent byte held this long: twice the ping timeout. */
const SLOW_MS = 3000;

/**
 * An overloaded server answers late but answers. A proxy holds everything the server sends for
 * twice the ping timeout (reached in steps, as a server's queue grows), while the agent publishes
 * 20 readings/s: the ping answers are late, the other answers keep coming, and the agent must not
 * call the link half-open and reconnect (which would add a login and a resend to the server's
 * load). A silent link afterwards must still be noticed within ping interval + timeout.
 */
describe("fault: a slow server is not a dead link", () => {
  let prosody: RestartableProsody;
  let proxy: FaultProxy;
  let bed: FaultAgent;
  let fault: FaultBed;

  beforeAll(async () => {
    fault = await startFaultBed({ proxied: true }, () => ({
      xmpp: { pingIntervalMs: PING_INTERVAL_MS, pingTimeoutMs: PING_TIMEOUT_MS },
      pubsub: { persistItems: false },
      devices: [{ id: "s", driver: "simulated", intervalMs: 100, channels: {
        t: { unit: "Cel", waveform: "randomWalk", min: 0, max: 1000 }, h: { unit: "%RH", waveform: "randomWalk", min: 0, max: 1000 } } }],
    }));
    ({ prosody, proxy, bed } = fault);
  }, 60_000);

  afterAll(async () => { await fault?.stop(); }, 30_000);

  const online = (): boolean => bed.agent.connection.isOnline();
  const pubsub = () => bed.agent.sinks.find((s) => s.name === "pubsub")!.status() as SinkStatus & { window: number };
  const logged = (text: string): number => bed.logs.filter((l) => l.includes(text)).length;

  it("stays on its session while answers come late, and still notices a silent link", async () => {
    printLogOnFailure(bed.logs);
    await eventually(() => pubsub().delivered >= 20, "first readings published", 20_000);
    const connections = proxy.accepted;
    let wentOffline = false;
    let smallestWindow = Number.POSITIVE_INFINITY;
    const watch = setInterval(() => {
      if (!online()) wentOffline = true;
      smallestWindow = Math.min(smallestWindow, pubsub().window);
    }, 50);
    try {
      for (let ms = 250; ms <= SLOW_MS; ms += 250) {
        proxy.delay(ms);
        await sleep(300);
      }
      const deliveredBefore = pubsub().delivered;
      await sleep(8000); // several pings, each answered ~3 s late
      const deliveredWhileSlow = pubsub().delivered - deliveredBefore;
      proxy.delay(0);
      await sleep(SLOW_MS + 1000);
      console.log(JSON.stringify({ deliveredWhileSlow, smallestWindow, slowLogs: logged("the server is slow"), connections: proxy.accepted - connections, status: pubsub() }));
      expect(wentOffline).toBe(false);
      expect(proxy.accepted).toBe(connections);
      expect(logged("half-open")).toBe(0);
      // The answers were late, not missing: publishing went on through the slow phase, with fewer
      // publishes in flight (publish-window.ts), and the full window is back once answers are quick.
      expect(deliveredWhileSlow).toBeGreaterThan(5);
      expect(smallestWindow).toBeLessThanOrEqual(8);
      expect(logged("publish answers are slow")).toBeGreaterThanOrEqual(1);
      await eventually(() => pubsub().window === 32 && pubsub().pending < 10, "full window and the backlog drained", 30_000);
    } finally {
      clearInterval(watch);
    }
    // Quick pings again: the slow ones leave the last five, and the silence allowed is back to the timeout.
    await sleep(6 * PING_INTERVAL_MS + 500);

    // Its packets dropped (nothing acknowledged): the half-open rule with the allowance back to the timeout.
    const noticedAfterMs = await msToNoticeDropped(proxy.port, () => !online(), 3 * (PING_INTERVAL_MS + PING_TIMEOUT_MS));
    console.log(JSON.stringify({ noticedAfterMs }));
    expect(noticedAfterMs).toBeLessThanOrEqual(PING_INTERVAL_MS + PING_TIMEOUT_MS + 1000);
    expect(logged("half-open")).toBe(1);
    await eventually(() => online() && proxy.accepted > connections, "the agent reconnects after the silent link", 15_000);
  }, 90_000);
});
