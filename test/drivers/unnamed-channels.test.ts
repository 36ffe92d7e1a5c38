import { randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NS_PUBSUB } from "../../src/xmpp/pubsub-nodes.js";
import { startTestBed, type TestBed } from "../harness/agent.js";
import { createPtyPair, send, type PtyPair } from "./pty.js";
import { eventually } from "../harness/wait.js";

const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";

/**
 * Device noise has bounded side effects: a `kv` device on a real socat PTY that sends 3,000
 * distinct keys and random bytes creates at most maxUnnamedChannels (default 32) nodes on the real
 * Prosody besides its named channels; with maxUnnamedChannels 0 only the named channels exist.
 */
describe("channels not named in the config are bounded per device", () => {
  let bed: TestBed;
  let noisy: PtyPair;
  let strict: PtyPair;

  beforeAll(async () => {
    noisy = await createPtyPair();
    strict = await createPtyPair();
    const port = { reconnectMinMs: 100, reconnectMaxMs: 400 };
    bed = await startTestBed({
      devices: [
        { id: "noisy", driver: "serial", path: noisy.a, format: "kv", ...port, channels: { t: { unit: "Cel" } } },
        { id: "strict", driver: "serial", path: strict.a, format: "kv", ...port, maxUnnamedChannels: 0, channels: { t: { unit: "Cel" } } },
      ],
    });
    const state = (id: string) => bed.agent.status().devices.find((d) => d.id === id)?.state;
    await eventually(() => state("noisy") === "ok" && state("strict") === "ok", "both PTY devices open", 30_000);
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
    await noisy?.close();
    await strict?.close();
  });

  /** Node names on the pubsub service (XEP-0060 section 5.2: disco#items), asked of the real server. */
  const nodesOf = async (device: string): Promise<string[]> => {
    const result: Element = await bed.agent.connection.request(xml("iq", { type: "get", to: bed.prosody.pubsubJid }, xml("query", { xmlns: NS_DISCO_ITEMS })));
    return (result.getChild("query")?.getChildren("item") ?? []).map((i) => i.attrs["node"] as string)
      .filter((n) => n.startsWith(`sensors/${device}/`)).map((n) => n.slice(`sensors/${device}/`.length)).sort();
  };
  const published = () => bed.agent.status().sinks.find((s) => s.name === "pubsub")!;

  it("3,000 distinct keys and random bytes: 32 unnamed nodes at most, the rest counted as bad input", async () => {
    const device = await noisy.device();
    const rejectedBefore = bed.agent.pipeline.stats().rejected;
    // Noise first (what made 29 junk nodes in 10 s), then 3,000 distinct well-formed keys.
    for (let i = 0; i < 20; i++) await send(device, Buffer.concat([randomBytes(512), Buffer.from("\n")]));
    for (let line = 0; line < 300; line++) {
      await send(device, `t=${20 + (line % 5)} ${Array.from({ length: 10 }, (_, k) => `key${line * 10 + k}=${k}`).join(" ")}\n`);
    }
    await send(device, "t=99 key0=1\n"); // a marker: the last line went through
    await eventually(() => bed.agent.pipeline.latest("noisy", "t")?.value === 99, "the marker line", 60_000);
    await eventually(() => published().pending === 0, "everything published", 60_000);

    const nodes = await nodesOf("noisy");
    const unnamed = nodes.filter((n) => n !== "t");
    console.log(JSON.stringify({ keysSent: 3000, nodes: nodes.length, unnamed: unnamed.length, setAside: published().setAside ?? 0, rejected: bed.agent.pipeline.stats().rejected - rejectedBefore }));
    expect(nodes).toContain("t");
    // 3,000 keys fill the bound exactly, whatever the noise took of it (only published samples take
    // a place); a noise key whose publish the server refused (set aside) holds one without a node.
    const setAside = published().setAside ?? 0;
    expect(unnamed.length).toBeLessThanOrEqual(32);
    expect(unnamed.length + setAside).toBeGreaterThanOrEqual(32);
    // Every key past the bound was refused and counted.
    expect(bed.agent.pipeline.stats().rejected - rejectedBefore).toBeGreaterThanOrEqual(3000 - 32);
    expect(bed.agent.devices.list().find((d) => d.id === "noisy")!.channels.length).toBeLessThanOrEqual(33);
    // Rejections are logged at most once a second per device, and noise may have taken that line:
    // one more new key after the window names the bound in the log.
    await new Promise((r) => setTimeout(r, 1100));
    await send(device, "t=98 onemore=1\n");
    await eventually(() => bed.logs.some((l) => l.includes("the bound is maxUnnamedChannels = 32")), "the bound named in the log", 10_000);
  }, 120_000);

  it("maxUnnamedChannels 0: only the named channels reach the server", async () => {
    const device = await strict.device();
    for (let i = 0; i < 20; i++) await send(device, `t=${i} junk${i}=1 other=2\n`);
    await eventually(() => bed.agent.pipeline.latest("strict", "t")?.value === 19, "the last line", 30_000);
    await eventually(() => published().pending === 0, "everything published", 60_000);
    expect(await nodesOf("strict")).toEqual(["t"]);
    expect(bed.logs.some((l) => l.includes("is not named in channels (maxUnnamedChannels is 0)"))).toBe(true);
  }, 90_000);
});
