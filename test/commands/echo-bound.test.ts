import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startControlFixture, USERS, type ControlFixture } from "./fixture.js";

type Message = { type: string; from: string; body: string };
type Note = { type: string; text: string };
type Field = { var: string; values: string[] };

/**
 * What the agent quotes back of a user's input is bounded: a 100 kB (or 1,000-character) form value
 * for `set`, and a long chat argument, through a real Prosody and slixmpp.
 */
describe("replies never echo a long input back at length", () => {
  let fx: ControlFixture;
  let alice: SlixClient;
  const to = "agent@localhost/agent";
  const cmd = (node: string, extra: Record<string, unknown> = {}): Promise<ClientReply> => alice.call({ op: "command", to, node, ...extra });
  const replySize = (r: ClientReply): number => JSON.stringify({ notes: r["notes"], fields: r["fields"] }).length;

  beforeAll(async () => {
    fx = await startControlFixture();
    alice = await startSlixClient(fx.prosody.port, "alice@localhost/phone", USERS.alice);
  }, 60_000);

  afterAll(async () => {
    await alice?.stop();
    await fx?.stop();
  });

  it("ad-hoc set: a 100 kB value is refused by its length, a 1,000-character one is quoted cut; neither comes back in the form", async () => {
    const first = await cmd("set");
    const id = first["sessionid"] as string;
    await cmd("set", { action: "next", sessionid: id, form: { device: "greenhouse", channel: "temperature" } });

    const huge = await cmd("set", { action: "complete", sessionid: id, form: { value: "9".repeat(50_000) + "x".repeat(50_000) } });
    expect(huge["status"]).toBe("executing");
    expect(huge["notes"] as Note[]).toEqual([{ type: "error", text: "value is 100000 characters long; at most 1024" }]);
    expect((huge["fields"] as Field[]).find((f) => f.var === "value")!.values).toEqual(["21.5"]); // the current value, not the input
    expect(replySize(huge)).toBeLessThan(1000);

    const long = await cmd("set", { action: "complete", sessionid: id, form: { value: "w".repeat(1000) } });
    const [note] = long["notes"] as Note[];
    expect(note!.text).toBe(`value must be a number, got "${"w".repeat(64)}…" (1000 characters)`);
    expect((long["fields"] as Field[]).find((f) => f.var === "value")!.values).toEqual(["21.5"]);
    expect(replySize(long)).toBeLessThan(1000);

    const fixed = await cmd("set", { action: "complete", sessionid: id, form: { value: "22" } });
    expect((fixed["notes"] as Note[])[0]!.text).toBe("greenhouse/temperature = 22°C (was 21.5°C)");
  });

  it("chat set: the reply quotes at most 64 characters of a long value", async () => {
    await alice.call({ op: "chat", to: "agent@localhost", body: `set greenhouse/temperature ${"w".repeat(900)}` });
    const got = (await alice.call({ op: "wait_messages", type: "chat", contains: "Error", timeout: 10 }))["messages"] as Message[];
    expect(got.length).toBe(1);
    console.log(JSON.stringify({ chatReplyChars: got[0]!.body.length }));
    expect(got[0]!.body.length).toBeLessThan(200);
    expect(got[0]!.body).toContain("(900 characters)");
  });
});
