import { EventEmitter } from "node:events";
import { setImmediate as tick } from "node:timers/promises";
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { guardIqCaller, iqCaller as _iqCaller, middleware as _middleware, type XmppJsEntity } from "./xmppjs.js";

/**
 * The real xmpp.js iq caller and middleware over an entity whose write completes only when the
 * test says so: the server's error reply is routed while request() still awaits the write, the
 * window that crashed the agent on ejabberd over TLS. Deterministic: no sockets, no timing.
 */
function harness(guarded: boolean) {
  const entity = Object.assign(new EventEmitter(), { jid: "agent@localhost/agent", options: { domain: "localhost" } });
  const writes: Array<{ stanza: ReturnType<typeof xml>; done: () => void; fail: (error: Error) => void }> = [];
  (entity as unknown as { send: unknown }).send = (stanza: ReturnType<typeof xml>) => new Promise<void>((done, fail) => writes.push({ stanza, done, fail }));
  const fake = entity as unknown as XmppJsEntity;
  const middleware = _middleware({ entity: fake });
  const iqCaller = _iqCaller({ middleware, entity: fake });
  if (guarded) guardIqCaller(iqCaller);
  const replyWithError = (id: string): void => {
    entity.emit("element", xml("iq", { type: "error", id, from: "pubsub.localhost", to: "agent@localhost/agent" },
      xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))));
  };
  return { iqCaller, writes, replyWithError };
}

/** Runs `scenario` with the process's unhandledRejection listeners (vitest's) swapped for a recorder. */
async function recordingUnhandled(scenario: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const record = (reason: unknown): void => { unhandled.push(reason); };
  process.on("unhandledRejection", record);
  try {
    await scenario();
    await tick();
    await tick();
  } finally {
    process.off("unhandledRejection", record);
    for (const listener of saved) process.on("unhandledRejection", listener);
  }
  return unhandled;
}

const request = (iqCaller: { request(stanza: unknown, timeoutMs: number): Promise<unknown> }) =>
  iqCaller.request(xml("iq", { type: "get", to: "pubsub.localhost", id: "q1" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })), 5000);

describe("an IQ error reply that arrives before the write completes", () => {
  it("is an unhandled rejection in xmpp.js 0.14 as it ships (the window exists)", async () => {
    const { iqCaller, writes, replyWithError } = harness(false);
    let outcome: unknown;
    const unhandled = await recordingUnhandled(async () => {
      const pending = request(iqCaller).catch((error: unknown) => { outcome = error; });
      replyWithError(writes[0]!.stanza.attrs["id"]!);
      await tick(); // a macrotask passes before the write callback: Node reports the rejection here
      await tick();
      writes[0]!.done();
      await pending;
    });
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]).toMatchObject({ name: "StanzaError", condition: "item-not-found" });
    expect(outcome).toMatchObject({ name: "StanzaError", condition: "item-not-found" });
  });

  it("guarded: no unhandled rejection, and the caller still gets the StanzaError", async () => {
    const { iqCaller, writes, replyWithError } = harness(true);
    let outcome: unknown;
    const unhandled = await recordingUnhandled(async () => {
      const pending = request(iqCaller).catch((error: unknown) => { outcome = error; });
      replyWithError(writes[0]!.stanza.attrs["id"]!);
      await tick();
      await tick();
      writes[0]!.done();
      await pending;
    });
    expect(unhandled).toEqual([]);
    expect(outcome).toMatchObject({ name: "StanzaError", condition: "item-not-found" });
  });

  it("guarded: a write that fails after the error reply was routed leaves nothing unhandled", async () => {
    for (const guarded of [false, true]) {
      const { iqCaller, writes, replyWithError } = harness(guarded);
      let outcome: unknown;
      const unhandled = await recordingUnhandled(async () => {
        const pending = request(iqCaller).catch((error: unknown) => { outcome = error; });
        replyWithError(writes[0]!.stanza.attrs["id"]!);
        writes[0]!.fail(new Error("write EPIPE"));
        await pending;
      });
      // Unguarded, the StanzaError is never looked at by anyone; guarded, it is absorbed.
      expect(unhandled.map((r) => (r as { condition?: string }).condition)).toEqual(guarded ? [] : ["item-not-found"]);
      expect(outcome).toMatchObject({ message: "write EPIPE" });
    }
  });

  it("guarded: results and ordinary errors reach the caller as before", async () => {
    const { iqCaller, writes, replyWithError } = harness(true);
    const first = request(iqCaller);
    writes[0]!.done();
    replyWithError("q1");
    await expect(first).rejects.toMatchObject({ condition: "item-not-found" });
    const second = iqCaller.request(xml("iq", { type: "get", id: "q2" }, xml("ping", { xmlns: "urn:xmpp:ping" })), 5000);
    writes[1]!.done();
    await tick();
    (iqCaller as { entity?: EventEmitter }).entity?.emit("element", xml("iq", { type: "result", id: "q2" }));
    await expect(second).resolves.toMatchObject({ attrs: { type: "result", id: "q2" } });
  });

  it("refuses an xmpp.js whose iq caller keeps no handlers Map (an upgrade must be looked at)", () => {
    expect(() => guardIqCaller({})).toThrow(/review src\/xmpp\/xmppjs\.ts/);
  });
});
