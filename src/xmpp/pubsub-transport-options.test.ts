import { EventEmitter } from "node:events";
import { StanzaError } from "./xmppjs.js";
import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/log.js";
import type { Connection } from "./connection.js";
import { createDeliverySink } from "../delivery/engine.js";
import { openOutbox } from "../outbox/index.js";
import { createPubsubTransport } from "./pubsub-transport.js";

/**
 * A fake of our own Connection that answers like ejabberd 23.01: disco#info advertises
 * publish-options, a publish carrying pubsub#max_items there is refused with
 * resource-constraint "Unknown field ...", anything else succeeds; answers come in a later tick.
 */
function ejabberdLike() {
  const published: Array<{ id: string; options: string[] }> = [];
  const events = new EventEmitter();
  const request = async (stanza: Element): Promise<Element> => {
    await new Promise((resolve) => setImmediate(resolve));
    const pubsub = stanza.getChild("pubsub");
    if (stanza.getChild("query")) return xml("iq", { type: "result" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }, xml("feature", { var: "http://jabber.org/protocol/pubsub#publish-options" })));
    const publish = pubsub?.getChild("publish");
    if (!publish) return xml("iq", { type: "result" }); // create / configure / affiliations
    const form = pubsub?.getChild("publish-options")?.getChild("x");
    const options = (form?.getChildren("field") ?? []).map((f) => f.attrs["var"]!).filter((v) => v !== "FORM_TYPE");
    published.push({ id: publish.getChild("item")!.attrs["id"]!, options });
    if (options.includes("pubsub#max_items")) throw new StanzaError("resource-constraint", "Unknown field 'pubsub#max_items' of type 'http://jabber.org/protocol/pubsub#publish-options'");
    return xml("iq", { type: "result" });
  };
  const connection = { events, request, isOnline: () => true, bareJid: "agent@localhost", jid: "agent@localhost/agent" } as unknown as Connection;
  return { connection, published };
}

describe("publish-options refused by the service", () => {
  it("sends the refused item again at once, ahead of the newer items of its node, and never the refused field again", async () => {
    const { connection, published } = ejabberdLike();
    const log = createLogger({ level: "silent" });
    const transport = createPubsubTransport({ connection, log }, {
      service: "pubsub.localhost", nodePrefix: "sensors/",
      settings: { maxItems: 10, persistItems: true, accessModel: "open", members: [] },
    });
    const sink = createDeliverySink({ transport, outbox: openOutbox({ log }, "pubsub", undefined, 100), log });
    await sink.start(new AbortController().signal);
    for (let i = 0; i < 5; i++) sink.accept({ device: "g", channel: "t", value: i, time: 1_764_000_000 + i, id: `r${i}` });
    expect(await sink.flush(5000)).toBe(true);
    expect(published.map((p) => p.id)).toEqual(["r0", "r0", "r1", "r2", "r3", "r4"]);
    expect(published[0]!.options).toContain("pubsub#max_items");
    expect(published[1]!.options).toEqual(["pubsub#access_model", "pubsub#persist_items"]);
    expect(published.slice(2).every((p) => p.options.length === 0)).toBe(true);
    expect(sink.status()).toMatchObject({ delivered: 5, rejected: 0, pending: 0 });
    await sink.stop();
  });
});

describe("the order of a node's items", () => {
  it("a publish sent while an earlier one of its node waits for the node's creation goes out after it, whatever the tick", async () => {
    const order: string[] = [];
    let created: (() => void) | undefined;
    const request = (stanza: Element): Promise<Element> => {
      const pubsub = stanza.getChild("pubsub");
      const publish = pubsub?.getChild("publish");
      if (publish) order.push(publish.getChild("item")!.attrs["id"]!);
      if (pubsub?.getChild("create")) return new Promise((resolve) => { created = () => resolve(xml("iq", { type: "result" })); });
      return Promise.resolve(xml("iq", { type: "result" }));
    };
    const connection = { events: new EventEmitter(), request, isOnline: () => true, bareJid: "agent@localhost", jid: "agent@localhost/agent" } as unknown as Connection;
    const transport = createPubsubTransport({ connection, log: createLogger({ level: "silent" }) }, {
      service: "pubsub.localhost", nodePrefix: "sensors/",
      settings: { maxItems: 10, persistItems: true, accessModel: "open", members: [] },
    });
    const acks: Array<Promise<unknown>> = [];
    const send = (seq: number): void => {
      const reading = { device: "g", channel: "t", value: seq, time: 1_764_000_000 + seq, id: `r${seq}` };
      acks.push(new Promise((resolve) => transport.send([{ seq, acceptedAt: 0, reading }], resolve)));
    };
    send(0);
    while (!created) await Promise.resolve();
    created();
    // One send per microtask from the creation's answer on: one of them lands after the node is
    // ready and before the first publish has resumed.
    for (let seq = 1; seq <= 40; seq++) {
      send(seq);
      await Promise.resolve();
    }
    expect(await Promise.all(acks)).toEqual(acks.map(() => undefined));
    expect(order).toEqual(Array.from({ length: 41 }, (_, seq) => `r${seq}`));
  });
});
