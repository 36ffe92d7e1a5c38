import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient } from "../commands/client.js";
import { startAccounts, startAgent, USERS, type RunningAgent } from "../commands/fixture.js";
import { startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { spawnCli, type CliProcess } from "../harness/cli.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `xmpp-iot watch` (the compiled CLI) against a real Prosody and agent: what it says, what it prints. */
describe("xmpp-iot watch", () => {
  let prosody: ProsodyServer;
  let running: RunningAgent | undefined;
  const watchers: CliProcess[] = [];
  const watch = (user: keyof typeof USERS, ...args: string[]): CliProcess => {
    const w = spawnCli(["watch", "--jid", `${user}@localhost`, "--service", prosody.service, "--tls", "off", ...args], { XMPP_IOT_PASSWORD: USERS[user] });
    watchers.push(w);
    return w;
  };
  const stop = async (w: CliProcess): Promise<void> => { w.child.kill("SIGTERM"); await w.exited; };

  beforeAll(async () => { prosody = await startAccounts(); }, 60_000);
  afterAll(async () => {
    for (const w of watchers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await running?.stop();
    await prosody?.stop();
    prosody?.remove();
  });

  it("counts the nodes it subscribed to, and --prefix filters what it prints despite other subscriptions", async () => {
    running = await startAgent(prosody);
    // bob's account already follows humidity (another client of his subscribed): the watcher's
    // session receives those events too, but the prefix asks only for temperature.
    const phone = await startSlixClient(prosody.port, "bob@localhost/phone", USERS.bob);
    try {
      expect(await phone.call({ op: "subscribe", to: prosody.pubsubJid, node: "sensors/greenhouse/humidity" })).toMatchObject({ ok: true });
    } finally {
      await phone.stop();
    }
    const all = watch("bob", "--pubsub", prosody.pubsubJid);
    await all.waitForOutput(/^watching \d+ nodes? under sensors\/ on pubsub\.localhost/m, 20_000);
    expect(all.output()).toMatch(/^subscribed to 3 nodes under sensors\/ on pubsub\.localhost \(3 in all\)$/m);
    expect(all.output()).toMatch(/^watching 3 nodes under sensors\/ on pubsub\.localhost; Ctrl-C to stop$/m);
    await stop(all);

    const temperature = watch("bob", "--pubsub", prosody.pubsubJid, "--prefix", "sensors/greenhouse/temp");
    await temperature.waitForOutput(/^greenhouse\/temperature .*\n(.*\n)*greenhouse\/temperature /m, 20_000);
    await sleep(1500); // humidity is published every 300 ms: time for some to arrive
    const out = temperature.output();
    expect(out).toMatch(/^watching 1 node under sensors\/greenhouse\/temp on pubsub\.localhost; Ctrl-C to stop$/m);
    expect(out).not.toMatch(/humidity/);
    await stop(temperature);
  });

  it("a refusal is said once in plain words and retried with backoff, not logged every 3 s", async () => {
    const eve = watch("eve", "--pubsub", prosody.pubsubJid);
    await eve.waitForOutput(/refused the subscription/, 20_000);
    await sleep(8000); // retries at about 3, 6, 12 s: still one message
    const out = eve.output();
    expect(out.match(/refused the subscription/g)).toHaveLength(1);
    expect(out).toContain("pubsub.localhost refused the subscription (forbidden): eve@localhost is not allowed to read the agent's nodes; ask its admin to add it to acl.readers.");
    expect(out).not.toMatch(/^\{/m);
    await stop(eve);
  });

  it("--pep asks the agent for a presence subscription and says so while it is pending", async () => {
    await running!.stop();
    running = await startAgent(prosody, { pubsub: { access: "acl" } });
    const bob = watch("bob", "--pep", "agent@localhost");
    await bob.waitForOutput(/^subscribed to 3 nodes under sensors\/ on agent@localhost/m, 30_000);
    await bob.waitForOutput(/^greenhouse\/temperature /m, 30_000);
    const out = bob.output();
    expect(out).toContain("watching 0 nodes under sensors/ on agent@localhost (waiting for agent@localhost to approve); Ctrl-C to stop");
    expect(out).toContain("asked agent@localhost for a presence subscription (its PEP nodes use the presence access model); waiting for it to approve");
    expect(out).toContain("agent@localhost approved the presence subscription; subscribing to its nodes");
    expect(out).toMatch(/^subscribed to 3 nodes under sensors\/ on agent@localhost/m);
    await stop(bob);

    const eve = watch("eve", "--pep", "agent@localhost");
    await eve.waitForOutput(/refused the presence subscription/, 20_000);
    expect(eve.output()).toContain("agent@localhost refused the presence subscription: eve@localhost is not in its ACL (acl.readers or acl.admins)");
    await stop(eve);
  });

  it("a TLS failure names --ca", async () => {
    const tls = await startProsody({ tls: true });
    try {
      tls.register("bob", USERS.bob);
      const w = spawnCli(["watch", "--jid", "bob@localhost", "--service", tls.service, "--pubsub", tls.pubsubJid], { XMPP_IOT_PASSWORD: USERS.bob });
      watchers.push(w);
      expect(await w.exited).toBe(69);
      expect(w.output()).toMatch(/TLS handshake with xmpp:\/\/127\.0\.0\.1:\d+ failed: .*pass --ca FILE to trust a private CA or a self-signed certificate/);
    } finally {
      await tls.stop();
      tls.remove();
    }
  });
});
