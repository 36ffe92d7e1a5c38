import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { createConnection, type Connection } from "../../src/xmpp/connection.js";
import { ACCOUNTS, startRestartableProsody, type RestartableProsody } from "./bed.js";
import { eventually } from "../harness/wait.js";
import { startProxy, type FaultProxy } from "../harness/proxy.js";

const PING_INTERVAL_MS = 500;
const PING_TIMEOUT_MS = 400;
/** The most silence liveness.ts ever allows: 6 x the ping timeout. */
const MAX_SILENCE_MS = 6 * PING_TIMEOUT_MS;

/**
 * An overloaded server, seen through a proxy between it and one XMPP session (the agent's own
 * connection code, nothing else on the stream but its pings and XEP-0198 acks): it sends slowly,
 * or serves the session in turns from the very login on. Neither is a half-open link, and a
 * reconnect would only add a login to the load; a link that then falls silent is still found.
 */
describe("fault: an overloaded server is slow, not dead", () => {
  let prosody: RestartableProsody;
  let proxy: FaultProxy | undefined;
  let connection: Connection | undefined;
  const logs: string[] = [];

  beforeAll(async () => { prosody = await startRestartableProsody(); }, 60_000);
  afterAll(async () => { await prosody?.remove(); }, 30_000);
  afterEach(async () => {
    await connection?.stop();
    await proxy?.close();
    logs.length = 0;
  });

  const connect = async (prepare: (proxy: FaultProxy) => void): Promise<{ proxy: FaultProxy; connection: Connection }> => {
    const p = await startProxy(prosody.port);
    prepare(p);
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(...chunk.toString().split("\n").filter(Boolean)); done(); } });
    const c = createConnection({ log: pino({ level: "debug" }, sink) }, {
      service: p.service, domain: "localhost", username: "agent", password: ACCOUNTS.agent, resource: `overload-${process.pid}`, tlsRequired: false,
      reconnectMinMs: 200, reconnectMaxMs: 1000, pingIntervalMs: PING_INTERVAL_MS, pingTimeoutMs: PING_TIMEOUT_MS, connectTimeoutMs: 20_000,
    });
    proxy = p;
    connection = c;
    await c.start(new AbortController().signal);
    return { proxy: p, connection: c };
  };
  const logged = (text: string): number => logs.filter((l) => l.includes(text)).length;

  /** Watches the session for `ms`: whether it ever went offline. */
  const stayedOnline = async (c: Connection, ms: number): Promise<boolean> => {
    let offline = false;
    const watch = setInterval(() => { if (!c.isOnline()) offline = true; }, 20);
    await sleep(ms);
    clearInterval(watch);
    return !offline;
  };

  /** Silences the link and returns how long the session took to call it half-open. */
  const noticeSilence = async (p: FaultProxy, c: Connection): Promise<number> => {
    const silencedAt = Date.now();
    p.silence();
    await eventually(() => !c.isOnline(), "the session notices the silent link", 3 * (PING_INTERVAL_MS + MAX_SILENCE_MS));
    return Date.now() - silencedAt;
  };

  it("bytes arriving keep the link alive though no whole stanza arrives within the ping timeout", async () => {
    onTestFailed(() => console.log(logs.slice(-30).join("\n")));
    const { proxy: p, connection: c } = await connect(() => undefined);
    // 16 bytes every 100 ms: a ping answer (~100 bytes) takes ~700 ms to arrive, the timeout is 400 ms.
    p.trickle(16, 100);
    expect(await stayedOnline(c, 6000)).toBe(true);
    expect(p.accepted).toBe(1);
    expect(logged("half-open")).toBe(0);
    expect(logged("the server is slow")).toBeGreaterThanOrEqual(1); // the answers were late, not missing
    const noticedAfterMs = await noticeSilence(p, c);
    console.log(JSON.stringify({ noticedAfterMs }));
    expect(noticedAfterMs).toBeLessThanOrEqual(PING_INTERVAL_MS + MAX_SILENCE_MS + 1000);
    expect(logged("half-open")).toBe(1);
  }, 60_000);

  it("a server that serves the session in turns from its login on: silences of a turn are not a dead link", async () => {
    onTestFailed(() => console.log(logs.slice(-30).join("\n")));
    // Every server byte waits for the next 1.2 s turn, the login's steps included: a new session
    // with no answer yet knows the server is that slow only from its login.
    const { proxy: p, connection: c } = await connect((q) => q.turns(1200));
    expect(await stayedOnline(c, 6000)).toBe(true);
    expect(p.accepted).toBe(1);
    expect(logged("half-open")).toBe(0);
    p.turns(0);
    const noticedAfterMs = await noticeSilence(p, c);
    console.log(JSON.stringify({ noticedAfterMs }));
    expect(noticedAfterMs).toBeLessThanOrEqual(PING_INTERVAL_MS + MAX_SILENCE_MS + 1000);
    expect(logged("half-open")).toBe(1);
  }, 60_000);
});
