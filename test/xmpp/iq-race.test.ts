import { setImmediate as tick } from "node:timers/promises";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntity } from "../../src/xmpp/entity.js";
import { NS_PUBSUB } from "../../src/xmpp/pubsub-nodes.js";
import { SERVER_KINDS, startServerWith, type XmppServer } from "../harness/servers.js";

/**
 * The agent's own xmpp.js entity against a real server, with the write callback of one request
 * held back until the server's error reply has been routed: what TLS does now and then (about one
 * request in 300), made to happen every time. The reply must reach the caller as a StanzaError and
 * nothing may be reported as an unhandled rejection (Node's default for those is to exit).
 */
describe.each(SERVER_KINDS)("an error reply from %s before the request's write completed", (kind) => {
  let server: XmppServer;
  beforeAll(async () => { server = await startServerWith(kind, { agent: "agent-pw" }, { pubsubAdmins: ["agent@localhost"] }); }, 60_000);
  afterAll(async () => { await server?.stop(); server?.remove(); });

  it("rejects the request with the StanzaError and leaves no unhandled rejection", async () => {
    const { entity, iqCaller } = createEntity({ service: server.service, domain: "localhost", username: "agent", password: "agent-pw", resource: "race", tlsRequired: false, streamManagement: false });
    entity.on("error", () => undefined);
    await entity.start();
    const order: string[] = [];
    const routed = new Promise<void>((resolve) => entity.on("element", (el: Element) => {
      if (el.attrs["id"] === "race-1") { order.push("reply routed"); resolve(); }
    }));
    const write = entity.write.bind(entity) as (s: string) => Promise<void>;
    entity.write = async (s: string): Promise<void> => {
      await write(s);
      if (!s.includes('id="race-1"')) return;
      await routed; // the reply is in, the write callback has not "run" yet
      await tick(); // and a macrotask passes: Node's unhandled-rejection check runs here
      await tick();
      order.push("write completed");
    };

    const unhandled: unknown[] = [];
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const record = (reason: unknown): void => { unhandled.push(reason); };
    process.on("unhandledRejection", record);
    let outcome: unknown;
    try {
      await iqCaller.request(xml("iq", { type: "get", to: server.pubsubJid, id: "race-1" },
        xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: "no/such/node" }))), 10_000).catch((error: unknown) => { outcome = error; });
      await tick();
      await tick();
    } finally {
      process.off("unhandledRejection", record);
      for (const listener of saved) process.on("unhandledRejection", listener);
      entity.write = write;
      await entity.stop().catch(() => undefined);
    }
    expect(order).toEqual(["reply routed", "write completed"]);
    expect(outcome).toMatchObject({ name: "StanzaError", condition: "item-not-found" });
    expect(unhandled).toEqual([]);
  });
});
