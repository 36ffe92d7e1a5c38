import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startControlFixture, USERS, type ControlFixture } from "./fixture.js";
import { SERVER_KINDS } from "../harness/servers.js";

type Message = { type: string; from: string; body: string };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Chat commands, the room (XEP-0045), alerts, and what a stranger gets, through a real Prosody and slixmpp. */
describe.each(SERVER_KINDS)("chat, rooms, alerts and the ACL through %s", (kind) => {
  let fx: ControlFixture;
  let alice!: SlixClient;
  let bob!: SlixClient;
  let carol!: SlixClient;
  let eve!: SlixClient;
  const agent = "agent@localhost";
  let room: string;
  const messages = (r: ClientReply): Message[] => r["messages"] as Message[];

  /** Sends a chat line and returns the agent's one reply. */
  async function ask(c: SlixClient, body: string, contains = ""): Promise<string> {
    await c.call({ op: "chat", to: agent, body });
    const got = messages(await c.call({ op: "wait_messages", type: "chat", contains, timeout: 10 }));
    expect(got.length, `reply to "${body}"`).toBe(1);
    expect(got[0]!.from).toBe(`${agent}/agent`);
    return got[0]!.body;
  }

  beforeAll(async () => {
    // 15 in 10 s covers every other test here; 60 a minute answers each refusal of the rate-limit test.
    fx = await startControlFixture({ chat: { burst: 15, perMinute: 60 } }, kind);
    room = `ops@${fx.server.mucJid}`;
    const start = (u: keyof typeof USERS) => startSlixClient(fx.server.port, `${u}@localhost/phone`, USERS[u]);
    [alice, bob, carol, eve] = await Promise.all([start("alice"), start("bob"), start("carol"), start("eve")]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice, bob, carol, eve].map((c) => c?.stop()));
    await fx?.stop();
  });

  it("answers help, list, read, set and status in short lines; unknown input gets a hint", async () => {
    expect(await ask(alice, "help")).toBe([
      "list - list devices, channels and last values",
      "read <device>[/<channel>] - read a device's channels",
      "set <device>/<channel> <value> - set a writable channel",
      "history <device>/<channel> [1h|24h|7d] - min, mean, max and a sparkline over a period",
      "status - agent status: connection, queues, uptime, devices",
      "help - what you can ask",
      "e.g. read greenhouse · set greenhouse/lamp on · history greenhouse/temperature 1h",
      "✎ in list marks a channel you can set. Names ignore case; a channel name alone works when one device has it.",
    ].join("\n"));
    expect(await ask(bob, "help")).not.toContain("set <device>");
    expect(await ask(alice, "read greenhouse/humidity")).toMatch(/^greenhouse\/humidity: 55 %RH \(\d+s ago\)$/);
    expect(await ask(alice, "Set greenhouse/lamp on")).toBe("greenhouse/lamp = on (was off)");
    expect(await ask(alice, "read greenhouse")).toMatch(/^greenhouse\/temperature: 21\.5°C \(\d+s ago\)\ngreenhouse\/lamp: on \(\d+s ago\)\ngreenhouse\/humidity: 55 %RH \(\d+s ago\)$/);
    expect(await ask(alice, "list")).toMatch(/^greenhouse: ok\n {2}temperature 21\.5°C \(\d+s ago\) ✎\n {2}lamp on \(\d+s ago\) ✎\n {2}humidity 55 %RH \(\d+s ago\)$/);
    expect(await ask(alice, "status")).toMatch(/^greenhouse-pi \(agent@localhost\/agent\) online, up \d+s\n- greenhouse: ok\npubsub: connected/);
    expect(await ask(alice, "open the pod bay doors")).toBe('Unknown command "open". Try: help, list, status, read <device>[/<channel>], set <device>/<channel> <value>, history <device>/<channel>');
    expect(await ask(alice, "read cellar")).toBe('Error: no device "cellar"; devices: greenhouse');
    expect(await ask(alice, "set greenhouse/humidity 40")).toBe("Error: greenhouse/humidity is not writable");
    expect(await ask(alice, "set greenhouse/lamp maybe")).toBe('Error: greenhouse/lamp: expected a boolean (on/off, true/false, 1/0), got "maybe"');
  });

  it("refuses a reader's set", async () => {
    expect(await ask(bob, "set greenhouse/lamp off")).toBe("Error: set is for admins only");
  });

  it("rate-limits per JID: every refused line is answered with when to try again", async () => {
    // 15 in 10 s: 20 lines sent at once get 15 answers and 5 refusals.
    for (let i = 0; i < 20; i++) await carol.call({ op: "chat", to: agent, body: "read greenhouse/humidity" });
    const got = messages(await carol.call({ op: "wait_messages", type: "chat", count: 20, timeout: 3 })).map((m) => m.body);
    const answers = got.filter((b) => /^greenhouse\/humidity: 55 %RH \(\d+s ago\)$/.test(b));
    expect(answers).toHaveLength(15);
    expect(got.slice(15)).toHaveLength(5);
    for (const refusal of got.slice(15)) {
      expect(refusal).toMatch(/^Too many messages \(limit 60 a minute, 15 in 10 s\): "read greenhouse\/humidity" was not run; try again in (10|9|8) s\.$/);
    }
    // Others are not affected.
    expect(await ask(bob, "read greenhouse/humidity")).toMatch(/^greenhouse\/humidity: 55 %RH/);
  });

  it("a stranger gets no reply, no commands, no subscription; it is logged", async () => {
    await eve.call({ op: "chat", to: agent, body: "help" });
    await eve.call({ op: "chat", to: agent, body: "set greenhouse/lamp off" });
    expect(messages(await eve.call({ op: "wait_messages", timeout: 2 }))).toEqual([]);
    expect(fx.logs.filter((l) => l["msg"] === "chat message from a stranger ignored").map((l) => l["from"])).toEqual(["eve@localhost"]);
    expect(fx.agent.pipeline.latest("greenhouse", "lamp")?.value).toBe(true);

    const items = await eve.call({ op: "items", to: `${agent}/agent` });
    expect(items["items"]).toEqual([]);
    const sub = await eve.call({ op: "subscribe", to: fx.server.pubsubJid, node: "sensors/greenhouse/temperature" });
    expect(sub.ok).toBe(false);
    // XEP-0060 section 6.1.3.4: not-allowed + closed-node (ejabberd); Prosody 0.12 answers forbidden.
    expect(["not-allowed", "forbidden"]).toContain(sub.error?.condition);
    const presence = await eve.call({ op: "presence_subscribe", to: agent });
    expect(presence["answer"]).toBe("unsubscribed");
    // An ACL reader may subscribe, to the node and to presence.
    expect(await bob.call({ op: "subscribe", to: fx.server.pubsubJid, node: "sensors/greenhouse/temperature" })).toMatchObject({ ok: true, subscription: "subscribed" });
    expect((await bob.call({ op: "presence_subscribe", to: agent }))["answer"]).toBe("subscribed");
  });

  it("in the room, ACL occupants use commands; a stranger's lines are ignored", async () => {
    await alice.call({ op: "join", room, nick: "alice" });
    await eve.call({ op: "join", room, nick: "eve" });
    await alice.call({ op: "groupchat", room, body: "greenhouse-pi: read greenhouse/humidity" });
    const reply = messages(await alice.call({ op: "wait_messages", type: "groupchat", contains: "humidity", from: "/greenhouse-pi", timeout: 10 }));
    expect(reply[0]).toMatchObject({ from: `${room}/greenhouse-pi`, body: expect.stringMatching(/^alice: greenhouse\/humidity: 55 %RH \(\d+s ago\)$/) });
    await alice.call({ op: "groupchat", room, body: "just talking about the weather" });
    await eve.call({ op: "groupchat", room, body: "!set greenhouse/lamp off" });
    await sleep(1500);
    const rest = messages(await alice.call({ op: "wait_messages", type: "groupchat", from: "/greenhouse-pi", timeout: 0 }));
    expect(rest).toEqual([]);
    expect(fx.agent.pipeline.latest("greenhouse", "lamp")?.value).toBe(true);
    expect(fx.logs.some((l) => l["msg"] === "room command from an occupant outside the ACL ignored" && l["realJid"] === "eve@localhost")).toBe(true);
  });

  it("an alert fires after its delay and clears past the hysteresis, in chat and in the room", async () => {
    await alice.call({ op: "wait_messages", timeout: 0, count: 1000 }); // drop what came before
    // Timed from sending the set: the reply's own trip on a loaded machine must not count against the delay.
    const started = Date.now();
    expect(await ask(alice, "set greenhouse/temperature 36.5", "(was")).toBe("greenhouse/temperature = 36.5°C (was 21.5°C)");
    const fired = messages(await alice.call({ op: "wait_messages", contains: "ALERT", count: 2, timeout: 10 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fired.map((m) => [m.type, m.from, m.body])).toEqual(expect.arrayContaining([
      ["chat", `${agent}/agent`, expect.stringMatching(/^⚠ ALERT greenhouse\/temperature > 35: greenhouse\/temperature is 36\.5°C for \ds$/)],
      ["groupchat", `${room}/greenhouse-pi`, expect.stringMatching(/^⚠ ALERT greenhouse\/temperature > 35: greenhouse\/temperature is 36\.5°C for \ds$/)],
    ]));
    // 34 is below 35 but inside the 2-degree hysteresis band: still active, nothing sent.
    expect(await ask(alice, "set greenhouse/temperature 34", "(was")).toBe("greenhouse/temperature = 34°C (was 36.5°C)");
    expect(messages(await alice.call({ op: "wait_messages", contains: "OK", timeout: 1.5 }))).toEqual([]);
    expect(await ask(alice, "set greenhouse/temperature 30", "(was")).toBe("greenhouse/temperature = 30°C (was 34°C)");
    const cleared = messages(await alice.call({ op: "wait_messages", contains: "OK", count: 2, timeout: 10 }));
    expect(cleared.map((m) => [m.type, m.body])).toEqual(expect.arrayContaining([
      ["chat", expect.stringMatching(/^✅ OK greenhouse\/temperature > 35: greenhouse\/temperature is back to 30°C \(alert lasted \ds\)$/)],
      ["groupchat", expect.stringMatching(/^✅ OK greenhouse\/temperature > 35: greenhouse\/temperature is back to 30°C \(alert lasted \ds\)$/)],
    ]));
    expect(fx.agent.status().sinks.find((s) => s.name === "alerts")).toMatchObject({ delivered: 4, dropped: 0, pending: 0 });
  });
});
