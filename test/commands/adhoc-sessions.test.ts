import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startControlFixture, USERS, type ControlFixture } from "./fixture.js";

/**
 * A reader cannot lock the admins out of ad-hoc commands: a reader with six resources (six real
 * slixmpp clients) and a second reader open sessions until the pool is full, then alice (admin)
 * still runs `set` to the end. Sessions count per account, not per resource.
 */
describe("ad-hoc session bounds (XEP-0050) against a flood of sessions", () => {
  let fx: ControlFixture;
  let alice: SlixClient;
  let carol: SlixClient;
  let bobs: SlixClient[] = [];
  const to = "agent@localhost/agent";
  const cmd = (c: SlixClient, node: string, extra: Record<string, unknown> = {}): Promise<ClientReply> => c.call({ op: "command", to, node, ...extra });

  beforeAll(async () => {
    fx = await startControlFixture({ commands: { maxSessions: 6, maxSessionsPerJid: 4 } });
    [alice, carol, ...bobs] = await Promise.all([
      startSlixClient(fx.prosody.port, "alice@localhost/phone", USERS.alice),
      startSlixClient(fx.prosody.port, "carol@localhost/phone", USERS.carol),
      ...Array.from({ length: 6 }, (_, i) => startSlixClient(fx.prosody.port, `bob@localhost/r${i}`, USERS.bob)),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([alice, carol, ...bobs].map((c) => c?.stop()));
    await fx?.stop();
  });

  it("a reader's many resources hold 4 sessions in all, and the admin's set still runs to the end", async () => {
    // 6 resources x 4 sessions each: before, 24 sessions of one reader filled the pool.
    const opened: ClientReply[] = [];
    for (let round = 0; round < 4; round++) opened.push(...await Promise.all(bobs.map((b) => cmd(b, "read"))));
    expect(opened.map((r) => r["status"])).toEqual(Array(24).fill("executing"));
    const carols = [];
    for (let i = 0; i < 4; i++) carols.push(await cmd(carol, "read"));
    expect(carols.map((r) => r["status"])).toEqual(Array(4).fill("executing"));

    // The pool (6) is full of readers' sessions: alice's set takes the place of the biggest holder's oldest.
    const first = await cmd(alice, "set");
    expect(first["ok"]).toBe(true);
    expect(first["status"]).toBe("executing");
    const id = first["sessionid"] as string;
    await cmd(alice, "set", { action: "next", sessionid: id, form: { device: "greenhouse", channel: "lamp" } });
    const done = await cmd(alice, "set", { action: "complete", sessionid: id, form: { value: "1" } });
    expect(done["status"]).toBe("completed");
    expect(done["notes"]).toEqual([{ type: "info", text: "greenhouse/lamp = on (was off)" }]);

    // Bob's sessions beyond his 4 are gone (session-expired); his newest still completes.
    const oldest = await cmd(bobs[0]!, "read", { action: "complete", sessionid: opened[0]!["sessionid"], form: { device: "greenhouse", channel: "lamp" } });
    expect(oldest["ok"]).toBe(false);
    expect(oldest.error).toMatchObject({ condition: "not-allowed", conditions: ["not-allowed", "session-expired"] });
    const last = opened[23]!;
    const newest = await cmd(bobs[5]!, "read", { action: "complete", sessionid: last["sessionid"], form: { device: "greenhouse", channel: "lamp" } });
    expect(newest["status"]).toBe("completed");
  }, 90_000);
});
