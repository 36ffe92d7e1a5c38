import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startControlFixture, USERS, type ControlFixture } from "./fixture.js";
import { SERVER_KINDS } from "../harness/servers.js";

/** XEP-0050 through a real Prosody and ejabberd, driven by slixmpp's xep_0050 / xep_0004 (an independent client). */
describe.each(SERVER_KINDS)("ad-hoc commands (XEP-0050) from slixmpp through %s", (kind) => {
  let fx: ControlFixture;
  let alice: SlixClient;
  let bob: SlixClient;
  let eve: SlixClient;
  const to = "agent@localhost/agent";
  const cmd = (c: SlixClient, node: string, extra: Record<string, unknown> = {}): Promise<ClientReply> => c.call({ op: "command", to, node, ...extra });
  const notes = (r: ClientReply): Array<{ type: string; text: string }> => r["notes"] as Array<{ type: string; text: string }>;
  const fields = (r: ClientReply): Array<{ var: string; type: string; options: string[]; values: string[]; required: boolean }> => r["fields"] as never;

  beforeAll(async () => {
    fx = await startControlFixture({ commands: { sessionTimeoutS: 3, maxSessions: 8 } }, kind);
    [alice, bob, eve] = await Promise.all([
      startSlixClient(fx.server.port, "alice@localhost/phone", USERS.alice),
      startSlixClient(fx.server.port, "bob@localhost/phone", USERS.bob),
      startSlixClient(fx.server.port, "eve@localhost/phone", USERS.eve),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice, bob, eve].map((c) => c?.stop()));
    await fx?.stop();
  });

  it("lists per role: admin all five, reader no set, stranger nothing", async () => {
    const [a, b, e] = await Promise.all([alice, bob, eve].map((c) => c.call({ op: "items", to })));
    const nodes = (r: ClientReply | undefined) => (r!["items"] as Array<{ node: string }>).map((i) => i.node).sort();
    expect(nodes(a)).toEqual(["help", "history", "list", "read", "set", "status"]);
    expect(nodes(b)).toEqual(["help", "history", "list", "read", "status"]);
    expect((a!["items"] as Array<{ jid: string; name: string }>).find((i) => i.name === "Set a writable channel")?.jid).toBe(to);
    expect(e!.ok).toBe(true);
    expect(nodes(e)).toEqual([]);
    const info = await alice.call({ op: "info", to, node: "set" });
    expect(info["identities"]).toEqual([["automation", "command-node", null, "Set a writable channel"]]);
    expect(info["features"]).toEqual(["http://jabber.org/protocol/commands", "jabber:x:data"]);
  });

  it("list and status complete at once with a note and a result table", async () => {
    const list = await cmd(alice, "list");
    expect(list["status"]).toBe("completed");
    expect(notes(list)[0]!.text).toMatch(/^greenhouse: ok\n {2}temperature 21\.5°C \(\d+s ago\) ✎/);
    expect(list["formType"]).toBe("result");
    expect(list["rows"]).toContainEqual({ device: "greenhouse", channel: "humidity", value: "55", unit: "%RH", age_s: expect.stringMatching(/^\d+$/) });
    const status = await cmd(bob, "status");
    expect(status["status"]).toBe("completed");
    expect(notes(status)[0]!.text).toMatch(/^greenhouse-pi \(agent@localhost\/agent\) online, up \d+s\n- greenhouse: ok\npubsub: connected, \d+ pending/);
  });

  it("read: a form with the real devices and channels, the value with unit and age", async () => {
    const form = await cmd(bob, "read");
    expect(form["status"]).toBe("executing");
    expect(form["actions"]).toEqual({ execute: "complete", allowed: ["complete"] });
    expect(fields(form).map((f) => [f.var, f.type, f.required])).toEqual([["device", "list-single", true], ["channel", "list-single", false]]);
    expect(fields(form)[0]!.options).toEqual(["greenhouse"]);
    expect([...fields(form)[1]!.options].sort()).toEqual(["humidity", "lamp", "temperature"]);
    const done = await cmd(bob, "read", { action: "complete", sessionid: form["sessionid"], form: { device: "greenhouse", channel: "humidity" } });
    expect(done["sessionid"]).toBe(form["sessionid"]);
    expect(done["status"]).toBe("completed");
    expect(notes(done)).toEqual([{ type: "info", text: expect.stringMatching(/^greenhouse\/humidity: 55 %RH \(\d+s ago\)$/) }]);
  });

  it("set over two stages changes what read returns and what a pubsub subscriber receives", async () => {
    const node = "sensors/greenhouse/lamp";
    let subscribed = await bob.call({ op: "subscribe", to: fx.server.pubsubJid, node });
    // The agent creates the node with the channel's first reading; give a slow machine a moment.
    for (let i = 0; i < 50 && subscribed.error?.condition === "item-not-found"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      subscribed = await bob.call({ op: "subscribe", to: fx.server.pubsubJid, node });
    }
    expect(subscribed).toMatchObject({ ok: true, subscription: "subscribed" });

    const first = await cmd(alice, "set");
    expect(first["status"]).toBe("executing");
    expect(first["actions"]).toEqual({ execute: "next", allowed: ["next"] });
    expect(fields(first).map((f) => [f.var, f.type, f.options])).toEqual([["device", "list-single", ["greenhouse"]], ["channel", "list-single", ["temperature", "lamp"]]]);
    const id = first["sessionid"] as string;
    const second = await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "greenhouse", channel: "lamp" } });
    expect(second["sessionid"]).toBe(id);
    expect(second["actions"]).toEqual({ execute: "complete", allowed: ["prev", "complete"] });
    // Typed by the channel: a checkbox holding the current state.
    expect(fields(second)).toEqual([{ var: "value", type: "boolean", label: "New value of lamp", required: false, values: ["0"], options: [] }]);
    const done = await cmd(alice, "set", { action: "complete", sessionid: id, form: { value: "1" } });
    expect(done["sessionid"]).toBe(id);
    expect(done["status"]).toBe("completed");
    expect(notes(done)).toEqual([{ type: "info", text: "greenhouse/lamp = on (was off)" }]);

    const read = await cmd(alice, "read");
    const after = await cmd(alice, "read", { action: "complete", sessionid: read["sessionid"], form: { device: "greenhouse", channel: "lamp" } });
    expect(notes(after)[0]!.text).toMatch(/^greenhouse\/lamp: on \(\d+s ago\)$/);
    const items = await bob.call({ op: "wait_items", node, contains: 'vb="true"', timeout: 10 });
    const payload = (items["items"] as Array<{ payload: string }>)[0]!.payload;
    expect(payload).toContain('n="lamp"');
    expect(payload).toContain('bn="agent@localhost/greenhouse/"');
  });

  it("a wrong value is a <note type=error> on the same session; the user can correct it", async () => {
    const first = await cmd(alice, "set");
    const id = first["sessionid"] as string;
    const bad = await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "cellar", channel: "lamp" } });
    expect(bad["status"]).toBe("executing");
    expect(bad["sessionid"]).toBe(id);
    expect(notes(bad)).toEqual([{ type: "error", text: 'device "cellar" is not one of: greenhouse' }]);
    const notWritable = await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "greenhouse", channel: "humidity" } });
    expect(notes(notWritable)).toEqual([{ type: "error", text: 'channel "humidity" is not one of: temperature, lamp' }]);
    const number = await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "greenhouse", channel: "temperature" } });
    expect(fields(number)).toEqual([{ var: "value", type: "text-single", label: "New value of temperature (Cel)", required: true, values: ["21.5"], options: [] }]);
    const badValue = await cmd(alice, "set", { action: "complete", sessionid: id, form: { value: "warm" } });
    expect(badValue["status"]).toBe("executing");
    expect(notes(badValue)).toEqual([{ type: "error", text: 'value must be a number, got "warm"' }]);
    const fixed = await cmd(alice, "set", { action: "complete", sessionid: id, form: { value: "22" } });
    expect(notes(fixed)[0]!.text).toBe("greenhouse/temperature = 22°C (was 21.5°C)");
  });

  it("XEP-0050 errors: bad-action, bad-payload, bad-sessionid, cancel, session-expired", async () => {
    const first = await cmd(alice, "set");
    const id = first["sessionid"] as string;
    const badAction = await cmd(alice, "set", { action: "complete", sessionid: id, form: { device: "greenhouse", channel: "lamp" } });
    expect(badAction.error).toMatchObject({ condition: "bad-request", conditions: ["bad-request", "bad-action"] });
    const badPayload = await cmd(alice, "set", { action: "next", sessionid: id });
    expect(badPayload.error).toMatchObject({ condition: "bad-request", conditions: ["bad-request", "bad-payload"] });
    const badSession = await cmd(alice, "set", { action: "next", sessionid: `${id}x`, form: { device: "greenhouse" } });
    expect(badSession.error).toMatchObject({ conditions: ["bad-request", "bad-sessionid"] });
    // Another user (or resource) cannot continue someone else's session.
    const stolen = await cmd(bob, "read", { action: "complete", sessionid: id, form: { device: "greenhouse" } });
    expect(stolen.error).toMatchObject({ conditions: ["bad-request", "bad-sessionid"] });
    const canceled = await cmd(alice, "set", { action: "cancel", sessionid: id });
    expect(canceled).toMatchObject({ ok: true, status: "canceled", sessionid: id });
    const afterCancel = await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "greenhouse" } });
    expect(afterCancel.error).toMatchObject({ conditions: ["bad-request", "bad-sessionid"] });

    const slow = await cmd(alice, "read");
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const late = await cmd(alice, "read", { action: "complete", sessionid: slow["sessionid"], form: { device: "greenhouse" } });
    expect(late.error).toMatchObject({ condition: "not-allowed", conditions: ["not-allowed", "session-expired"] });
  });

  it("sessions are bounded per account over all its resources: past 4, the account's oldest expires", async () => {
    const opened = [];
    for (let i = 0; i < 4; i++) opened.push(await cmd(alice, "read"));
    expect(opened.every((r) => r["status"] === "executing")).toBe(true);
    const tablet = await startSlixClient(fx.server.port, "alice@localhost/tablet", USERS.alice);
    try {
      const fifth = await cmd(tablet, "read"); // another resource, same account: alice's oldest goes
      expect(fifth["status"]).toBe("executing");
      const oldest = await cmd(alice, "read", { action: "complete", sessionid: opened[0]!["sessionid"], form: { device: "greenhouse" } });
      expect(oldest.error).toMatchObject({ conditions: ["not-allowed", "session-expired"] });
      // Another resource may not continue a session (XEP-0050 section 3.4: the requester's full JID).
      const foreign = await cmd(tablet, "read", { action: "complete", sessionid: opened[1]!["sessionid"], form: { device: "greenhouse" } });
      expect(foreign.error).toMatchObject({ conditions: ["bad-request", "bad-sessionid"] });
      expect((await cmd(tablet, "read", { action: "cancel", sessionid: fifth["sessionid"] }))["status"]).toBe("canceled");
    } finally {
      await tablet.stop();
    }
    for (const r of opened.slice(1)) expect((await cmd(alice, "read", { action: "cancel", sessionid: r["sessionid"] }))["status"]).toBe("canceled");
  });

  it("a reader's set is forbidden; a stranger is forbidden everything", async () => {
    const readerSet = await cmd(bob, "set");
    expect(readerSet.error).toMatchObject({ condition: "forbidden" });
    for (const node of ["list", "read", "status", "set", "help", "history"]) {
      const r = await cmd(eve, node);
      expect(r.error, node).toMatchObject({ condition: "forbidden" });
    }
    expect(fx.logs.some((l) => l["msg"] === "ad-hoc command refused: not in the ACL" && l["from"] === "eve@localhost")).toBe(true);
  });
});
