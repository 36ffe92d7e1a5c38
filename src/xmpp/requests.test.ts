import { EventEmitter } from "node:events";
import { setImmediate as tick } from "node:timers/promises";
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createRequestTracker } from "./requests.js";
import { guardIqCaller, iqCaller as _iqCaller, middleware as _middleware, type XmppJsEntity } from "./xmppjs.js";

/**
 * The real xmpp.js middleware and iq caller (which routes every reply by id) over an entity whose
 * writes the test completes or fails: no sockets, so timeouts are the only timing here.
 */
function harness() {
  const entity = Object.assign(new EventEmitter(), { jid: "agent@localhost/agent", options: { domain: "localhost" } });
  const writes: Array<{ stanza: ReturnType<typeof xml>; done: () => void; fail: (error: Error) => void }> = [];
  const send = (stanza: ReturnType<typeof xml>) => new Promise<void>((done, fail) => writes.push({ stanza, done, fail }));
  (entity as unknown as { send: unknown }).send = send;
  const fake = entity as unknown as XmppJsEntity;
  const iqCaller = _iqCaller({ middleware: _middleware({ entity: fake }), entity: fake });
  guardIqCaller(iqCaller);
  const tracker = createRequestTracker({ send }, iqCaller);
  const reply = (id: string, type: "result" | "error"): void => {
    entity.emit("element", xml("iq", { type, id, from: "pubsub.localhost", to: "agent@localhost/agent" },
      type === "error" ? xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })) : undefined));
  };
  return { iqCaller, tracker, writes, reply };
}

const ping = (id?: string) => xml("iq", { type: "get", to: "localhost", ...(id ? { id } : {}) }, xml("ping", { xmlns: "urn:xmpp:ping" }));
const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => ({ ok: v }), (e: unknown) => ({ error: e }));

describe("the agent's IQ requests", () => {
  it("resolve with the result routed by id, and leave nothing pending", async () => {
    const { tracker, writes, reply } = harness();
    const answer = tracker.request(ping(), 5000);
    const id = writes[0]!.stanza.attrs["id"] as string;
    expect(tracker.size).toBe(1);
    writes[0]!.done();
    reply(id, "result");
    const result = (await answer) as ReturnType<typeof xml>;
    expect(result.attrs).toMatchObject({ type: "result", id });
    expect(tracker.size).toBe(0);
  });

  it("reject with the stanza error of an error reply, even one routed before the write completed", async () => {
    const { tracker, writes, reply } = harness();
    const answer = outcome(tracker.request(ping("given-1"), 5000));
    reply("given-1", "error");
    await tick();
    writes[0]!.done();
    const { error } = (await answer) as { error: { condition?: string } };
    expect(error.condition).toBe("item-not-found");
    expect(tracker.size).toBe(0);
  });

  it("reject with the write's error when the write fails", async () => {
    const { tracker, writes } = harness();
    const answer = outcome(tracker.request(ping(), 5000));
    writes[0]!.fail(new Error("socket closed"));
    expect(((await answer) as { error: Error }).error.message).toBe("socket closed");
    expect(tracker.size).toBe(0);
  });

  it("time out each at its own deadline, an earlier one after a later one was armed", async () => {
    const { tracker, writes, reply } = harness();
    const startedAt = Date.now();
    const settledAfter = (p: Promise<unknown>) => outcome(p).then((o) => ({ o, ms: Date.now() - startedAt }));
    const slow = settledAfter(tracker.request(ping(), 600));
    const fast = settledAfter(tracker.request(ping(), 80));
    const answered = tracker.request(ping(), 80);
    for (const w of writes) w.done();
    reply(writes[2]!.stanza.attrs["id"] as string, "result");
    const f = await fast;
    expect((f.o as { error: Error }).error.name).toBe("TimeoutError");
    expect(f.ms).toBeGreaterThanOrEqual(75);
    expect(f.ms).toBeLessThan(500);
    const s = await slow;
    expect((s.o as { error: Error }).error.name).toBe("TimeoutError");
    expect(s.ms).toBeGreaterThanOrEqual(595);
    expect(await outcome(answered)).toHaveProperty("ok");
    expect(tracker.size).toBe(0);
  });

  it("fail all of the agent's at once, leaving xmpp.js's own requests to xmpp.js", async () => {
    const { iqCaller, tracker, writes } = harness();
    const ours = [outcome(tracker.request(ping(), 5000)), outcome(tracker.request(ping("given-2"), 5000))];
    const theirs = outcome(iqCaller.request(ping("xmppjs-1"), 5000));
    for (const w of writes) w.done();
    await tick();
    expect(tracker.size).toBe(2);
    expect(tracker.failAll("the XMPP session ended")).toBe(2);
    for (const o of await Promise.all(ours)) expect((o as { error: { code: string } }).error.code).toBe("SERVICE_UNREACHABLE");
    expect(iqCaller.handlers.has("xmppjs-1")).toBe(true);
    iqCaller.handlers.get("xmppjs-1")!.resolve(xml("iq", { type: "result", id: "xmppjs-1" }));
    expect(await theirs).toHaveProperty("ok");
  });
});
