import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_KINDS, type XmppServer } from "../harness/servers.js";
import { startSlixClient, type SlixClient } from "./client.js";
import { startAccounts, startAgent, USERS, type RunningAgent } from "./fixture.js";
import { eventually } from "../harness/wait.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logged = (agent: RunningAgent, msg: string, node?: string) => () => agent.logs.some((l) => l["msg"] === msg && (node === undefined || l["node"] === node));
const NODE = "sensors/greenhouse/temperature";

/** DESIGN "ACL": only ACL JIDs may subscribe, and a JID taken out of the ACL loses what it had. */
describe.each(SERVER_KINDS)("ACL on subscriptions (%s)", (kind) => {
  let server: XmppServer;
  let running: RunningAgent | undefined;
  let bob!: SlixClient;
  let eve!: SlixClient;
  let alice!: SlixClient;

  beforeAll(async () => {
    server = await startAccounts(kind);
    const start = (u: keyof typeof USERS) => startSlixClient(server.port, `${u}@localhost/phone`, USERS[u]);
    [alice, bob, eve] = await Promise.all([start("alice"), start("bob"), start("eve")]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice, bob, eve].map((c) => c?.stop()));
    await running?.stop();
    await server?.stop();
    server?.remove();
  });

  it("a reader removed from the ACL loses its node subscription and its presence subscription", async () => {
    running = await startAgent(server, { alerts: [] });
    await eventually(logged(running, "pubsub node ready", NODE), "the node", 20_000); // created with the first reading
    expect(await bob.call({ op: "subscribe", to: server.pubsubJid, node: NODE })).toMatchObject({ ok: true, subscription: "subscribed" });
    expect((await bob.call({ op: "presence_subscribe", to: "agent@localhost" }))["answer"]).toBe("subscribed");
    await running.stop();

    running = await startAgent(server, { alerts: [], acl: { admins: ["alice@localhost"], readers: [] } });
    await eventually(logged(running, "pubsub node ready", NODE), "the node check", 20_000);
    await sleep(500); // items already on their way
    await bob.call({ op: "wait_items", node: NODE, timeout: 0 });
    const before = ((await bob.call({ op: "wait_items", node: NODE, timeout: 0 }))["items"] as unknown[]).length;
    await sleep(1500);
    const after = ((await bob.call({ op: "wait_items", node: NODE, timeout: 0 }))["items"] as unknown[]).length;
    expect(after - before, "items still delivered to a JID out of the ACL").toBe(0);
    const again = await bob.call({ op: "subscribe", to: server.pubsubJid, node: NODE });
    expect(again.ok).toBe(false);
    // XEP-0060 section 6.1.3.4: not-allowed + closed-node (ejabberd); Prosody 0.12 answers forbidden.
    expect(["not-allowed", "forbidden"]).toContain(again.error?.condition);
    expect(running.logs.find((l) => l["msg"] === "pubsub subscriptions of JIDs outside the ACL removed")).toMatchObject({ node: NODE, revoked: ["bob@localhost"] });
    expect(running.logs.filter((l) => l["msg"] === "could not sync whitelist members with the ACL")).toEqual([]);
    expect(running.logs.some((l) => l["msg"] === "presence subscription revoked: not in the ACL" && l["jid"] === "bob@localhost")).toBe(true);
    await running.stop();
    running = undefined;
  });

  it("on PEP (presence access model) a stranger cannot subscribe; an ACL JID can after presence", async () => {
    running = await startAgent(server, { alerts: [], pubsub: undefined });
    await eventually(logged(running, "pubsub node ready", NODE), "the PEP node", 20_000);
    const stranger = await eve.call({ op: "subscribe", to: "agent@localhost", node: NODE });
    expect(stranger.ok).toBe(false);
    expect(stranger.error?.condition).toMatch(/^(not-authorized|forbidden|not-allowed)$/);
    expect((await eve.call({ op: "presence_subscribe", to: "agent@localhost" }))["answer"]).toBe("unsubscribed");
    expect((await alice.call({ op: "presence_subscribe", to: "agent@localhost" }))["answer"]).toBe("subscribed");
    expect(await alice.call({ op: "subscribe", to: "agent@localhost", node: NODE })).toMatchObject({ ok: true, subscription: "subscribed" });
  });
});
