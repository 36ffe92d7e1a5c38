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
    // One after the other (round-robin over the resources), so the order of creation is known.
    for (let round = 0; round < 4; round++) for (const b of bobs) opened.push(await cmd(b, "read"));
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
    // Of bob's 4, carol's third and fourth took the two oldest (bob held the most, then as many but
    // older ones); alice's took carol's oldest. Bob's two newest are still there.
    const complete = (i: number) => cmd(bobs[i % 6]!, "read", { action: "complete", sessionid: opened[i]!["sessionid"], form: { device: "greenhouse", channel: "lamp" } });
    expect((await complete(21)).error).toMatchObject({ conditions: ["not-allowed", "session-expired"] });
    expect((await complete(22))["status"]).toBe("completed");
    expect((await complete(23))["status"]).toBe("completed");
    const carolsFirst = await cmd(carol, "read", { action: "complete", sessionid: carols[0]!["sessionid"], form: { device: "greenhouse" } });
    expect(carolsFirst.error).toMatchObject({ conditions: ["not-allowed", "session-expired"] });
    expect((await cmd(carol, "read", { action: "complete", sessionid: carols[3]!["sessionid"], form: { device: "greenhouse" } }))["status"]).toBe("completed");
  }, 90_000);
});
