import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startAccounts, startAgent, USERS, type RunningAgent } from "./fixture.js";
import type { ProsodyServer } from "../../src/prosody/server.js";

type Message = { type: string; from: string; body: string };
const EXAMPLE = JSON.parse(readFileSync(new URL("../../config.example.json", import.meta.url).pathname.replace(/\/dist\/test\//, "/test/").replace(/\/dist\//, "/"), "utf8")) as { devices: unknown[] };

/**
 * A person on a phone against the demo's devices (config.example.json): forgiving names and values,
 * help whose examples work as shown, history, and a rate limit that a person never meets. The
 * client is slixmpp behaving like Conversations: receipts, typing notifications, carbons.
 */
describe("chat from a phone, on the demo's devices", () => {
  let prosody: ProsodyServer;
  let running: RunningAgent;
  let alice!: SlixClient;
  let bob!: SlixClient;
  let carol!: SlixClient;
  let dave!: SlixClient;
  let erin!: SlixClient;
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-phone-test-"));
  const agent = "agent@localhost";
  const config = (chat: Record<string, unknown> = {}) => ({
    devices: EXAMPLE.devices, alerts: [], acl: { admins: ["alice@localhost", "dave@localhost", "erin@localhost"], readers: ["bob@localhost", "carol@localhost"] }, chat: { burst: 20, perMinute: 30, ...chat },
    history: { path: join(dir, "history.jsonl"), maxRecords: 1000 },
  });

  async function ask(c: SlixClient, body: string): Promise<string> {
    await c.call({ op: "chat", to: agent, body });
    const got = (await c.call({ op: "wait_messages", type: "chat", timeout: 10 }))["messages"] as Message[];
    expect(got.length, `reply to "${body}"`).toBe(1);
    return got[0]!.body;
  }

  beforeAll(async () => {
    prosody = await startAccounts();
    // dave and erin, more admins, run the docs transcript and the README's lines (the rate limit is per JID).
    prosody.register("dave", "dave-pw");
    prosody.register("erin", "erin-pw");
    running = await startAgent(prosody, config());
    // help's examples and the transcript name channels that have reported once.
    const channels = [["greenhouse", "temperature"], ["greenhouse", "lamp"], ["weather", "setpoint"], ["weather", "pressure"]] as const;
    for (let i = 0; i < 200 && channels.some(([d, c]) => running.agent.pipeline.latest(d, c) === undefined); i++) await new Promise((r) => setTimeout(r, 50));
    [alice, bob, carol] = await Promise.all([
      startSlixClient(prosody.port, "alice@localhost/phone", USERS.alice, { phone: true }),
      startSlixClient(prosody.port, "bob@localhost/phone", USERS.bob, { phone: true }),
      startSlixClient(prosody.port, "carol@localhost/phone", USERS.carol, { phone: true }),
    ]);
    dave = await startSlixClient(prosody.port, "dave@localhost/phone", "dave-pw", { phone: true });
    erin = await startSlixClient(prosody.port, "erin@localhost/phone", "erin-pw", { phone: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice?.stop(), bob?.stop(), carol?.stop(), dave?.stop(), erin?.stop()]);
    await running?.stop();
    await prosody?.stop();
    prosody?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the demo transcript in docs/chat.md runs verbatim, every number compared as a number", async () => {
    const doc = readFileSync(new URL("../../docs/chat.md", import.meta.url).pathname.replace(/\/dist\/test\//, "/test/").replace(/\/dist\//, "/"), "utf8");
    const block = /<!-- demo transcript -->\n```\n([\s\S]*?)\n```/.exec(doc)![1]!;
    const turns = block.split(/^me: /m).filter((t) => t !== "").map((t) => {
      const [command, reply] = t.split(/\nagent: /) as [string, string];
      return { command, reply: reply.replace(/\n$/, "") };
    });
    expect(turns.length).toBeGreaterThanOrEqual(8);
    const shape = (text: string): string => text.replace(/[▁▂▃▄▅▆▇█·]+/g, "S").replace(/-?\d+(?:[.,]\d+)?/g, "N");
    for (const { command, reply } of turns) expect(shape(await ask(dave, command)), command).toBe(shape(reply));
    // Back to the demo's starting state for the tests below.
    const admin = { role: "admin", via: "cli" } as const;
    await running.agent.commands.execute("set", { device: "greenhouse", channel: "lamp", value: "off" }, admin);
    await running.agent.commands.execute("set", { device: "weather", channel: "setpoint", value: 22 }, admin);
  });

  it("the commands the README suggests work verbatim on the demo", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url).pathname.replace(/\/dist\/test\//, "/test/").replace(/\/dist\//, "/"), "utf8");
    const commands = [...readme.matchAll(/`((?:help|list|status|read|set|history)(?: [^`]*)?)`/g)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(["set lamp on", "set weather/setpoint 21,5", "history greenhouse/temperature 24h"]));
    for (const command of new Set(commands)) expect(await ask(erin, command), command).not.toMatch(/^(Error|Unknown|Usage|Too many)/);
    const admin = { role: "admin", via: "cli" } as const;
    await running.agent.commands.execute("set", { device: "greenhouse", channel: "lamp", value: "off" }, admin);
    await running.agent.commands.execute("set", { device: "weather", channel: "setpoint", value: 22 }, admin);
  });

  it("help explains ✎ and its examples work verbatim", async () => {
    const help = await ask(alice, "help");
    expect(help).toContain("history <device>/<channel> [1h|24h|7d] - min, mean, max and a sparkline over a period");
    expect(help).toContain("✎ in list marks a channel you can set.");
    const examples = /^e\.g\. (.*)$/m.exec(help)![1]!.split(" · ");
    expect(examples).toEqual(["read greenhouse", "set greenhouse/lamp on", "history greenhouse/temperature 1h"]);
    for (const example of examples) expect(await ask(alice, example)).not.toMatch(/^(Error|Unknown|Usage)/);
    expect(await ask(bob, "help")).toContain("✎ in list marks a channel an admin can set.");
    expect(await ask(bob, "help")).not.toContain("set greenhouse/lamp");
  });

  it("forgives case, typos, a channel alone, a space for the slash, and units", async () => {
    expect(await ask(alice, "read Greenhouse/Humidity")).toMatch(/^greenhouse\/humidity: [\d.]+ %RH \(\d+s ago\)$/);
    expect(await ask(alice, "read greenhose")).toBe('Error: no device "greenhose"; did you mean greenhouse?');
    expect(await ask(alice, "read greenhouse/temprature")).toBe('Error: greenhouse has no channel "temprature"; did you mean temperature?');
    expect(await ask(alice, "reed greenhouse")).toBe('Unknown command "reed": did you mean read? Try: help, list, status, read <device>[/<channel>], set <device>/<channel> <value>, history <device>/<channel>');
    expect(await ask(alice, "read pressure")).toMatch(/^weather\/pressure: \d+ Pa \(\d+s ago\)$/);
    expect(await ask(alice, "set lamp off")).toMatch(/^greenhouse\/lamp = off \(was o(n|ff)\) \(the lamp on greenhouse\)$/);
    expect(await ask(alice, "set greenhouse lamp on")).toBe("greenhouse/lamp = on (was off)");
    expect(await ask(alice, "set Weather/SetPoint 21.5°C")).toBe("weather/setpoint = 21.5°C (was 22°C)");
    expect(await ask(alice, "set weather setpoint 21 Cel")).toBe("weather/setpoint = 21°C (was 21.5°C)");
    expect(await ask(alice, "set setpoint 22,5")).toBe("weather/setpoint = 22.5°C (was 21°C) (the setpoint on weather)");
    expect(await ask(alice, "set weather/setpoint 40 lx")).toBe('Error: weather/setpoint: "lx" is not its unit; it takes a number in °C');
    expect(await ask(alice, "set greenhouse/humidity 40")).toBe("Error: greenhouse/humidity is not writable");
    expect(await ask(alice, "set greenhouse on")).toBe("Error: name a channel too, e.g. greenhouse/<channel>; try: list");
    expect(running.agent.pipeline.latest("weather", "setpoint")?.value).toBe(22.5);
  });

  it("history: min, mean, max, count and a sparkline; the same command over ad-hoc", async () => {
    const text = await ask(bob, "history greenhouse/temperature 1h");
    expect(text).toMatch(/^greenhouse\/temperature, last 1h: min [\d.]+°C, mean [\d.]+°C, max [\d.]+°C, \d+ readings\n[▁▂▃▄▅▆▇█·]{30} \(2 min per mark, oldest first\)$/);
    expect(await ask(bob, "history greenhouse/lamp")).toBe("greenhouse/lamp, last 1h: history keeps numeric channels only");
    expect(await ask(bob, "history greenhouse/temperature 9d")).toBe('Error: history: period "9d" is not one of 1h, 24h, 7d (or like 30m, up to 7d)');
    const form = await bob.call({ op: "command", to: `${agent}/agent`, node: "history" });
    expect((form["fields"] as Array<{ var: string }>).map((f) => f.var)).toEqual(["device", "channel", "period"]);
    const done = await bob.call({ op: "command", to: `${agent}/agent`, node: "history", sessionid: form["sessionid"], action: "complete",
      form: { device: "greenhouse", channel: "temperature", period: "24h" } });
    expect(done["status"]).toBe("completed");
    expect((done["notes"] as Array<{ text: string }>)[0]!.text).toMatch(/^greenhouse\/temperature, last 24h: min .* readings\n[▁▂▃▄▅▆▇█·]{24} \(1 h per mark, oldest first\)$/);
  });

  it("20 commands sent as fast as the replies come are all answered at the default limit", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => ["list", "status", "read greenhouse", "read weather/pressure", "help"][i % 5]!);
    // carol has sent nothing yet (the limit is per JID); help, list and read are reader commands.
    for (const line of lines) expect(await ask(carol, line)).not.toMatch(/Too many/);
  });

  it("history survives a restart of the agent; past the limit every refused line is answered with when to retry", async () => {
    const before = await ask(bob, "history greenhouse/temperature 1h");
    const countBefore = Number(/(\d+) readings/.exec(before)![1]);
    await running.stop();
    running = await startAgent(prosody, config({ burst: 20, perMinute: 5 }));
    const after = await ask(bob, "history greenhouse/temperature 1h");
    expect(Number(/(\d+) readings/.exec(after)![1])).toBeGreaterThanOrEqual(countBefore);

    // Each line goes out with a typing notification and a receipt request (carbons on): only the
    // 5 bodies count, so exactly 5 are answered; each of the next 3 gets its own refusal.
    for (let i = 0; i < 8; i++) await alice.call({ op: "chat", to: agent, body: `read greenhouse/humidity` });
    const got = ((await alice.call({ op: "wait_messages", type: "chat", count: 8, timeout: 15 }))["messages"] as Message[]).map((m) => m.body);
    expect(got).toHaveLength(8);
    expect(got.slice(0, 5).every((b) => /^greenhouse\/humidity: /.test(b))).toBe(true);
    for (const refusal of got.slice(5)) {
      expect(refusal).toMatch(/^Too many messages \(limit 5 a minute, 20 in 10 s\): "read greenhouse\/humidity" was not run; try again in (\d+) s\.$/);
      expect(Number(/try again in (\d+) s/.exec(refusal)![1])).toBeGreaterThan(30);
    }
  });
});

export type { ClientReply };
