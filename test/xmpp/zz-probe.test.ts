import { it } from "vitest";
import xml from "@xmpp/xml";
import { createConnection } from "../../src/xmpp/connection.js";
import { createLogger } from "../../src/log.js";
import { startServerWith } from "../harness/servers.js";
import { NS_PUBSUB } from "../../src/xmpp/pubsub-nodes.js";
import { submitForm } from "../../src/xmpp/forms.js";
it("probe", async () => {
  const server = await startServerWith("ejabberd", { agent: "pw" }, { pubsubAdmins: ["agent@localhost"] });
  const c = createConnection({ log: createLogger({ level: "silent" }) }, { service: server.service, domain: "localhost", username: "agent", password: "pw", resource: "r", tlsRequired: false, reconnectMinMs: 1000, reconnectMaxMs: 1000, pingIntervalMs: 60000, pingTimeoutMs: 5000 });
  await c.start(new AbortController().signal);
  for (const to of ["pubsub.localhost", "agent@localhost"]) {
    const info = await c.request(xml("iq", { type: "get", to }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    console.log(to, info.toString().includes("publish-options"));
    const fields: Array<[string, any]> = [["pubsub#access_model", "whitelist"], ["pubsub#persist_items", true], ["pubsub#max_items", 10], ["pubsub#send_last_published_item", "never"], ["pubsub#access_model", "open"], ["pubsub#deliver_payloads", true], ["pubsub#notify_retract", false], ["pubsub#bogus", "x"]];
    for (const [i, [f, v]] of fields.entries()) { const node = "n" + i;
      try {
        const r = await c.request(xml("iq", { type: "set", to }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("publish", { node }, xml("item", { id: "i1" }, xml("x", { xmlns: "urn:x" }))), xml("publish-options", {}, submitForm("http://jabber.org/protocol/pubsub#publish-options", { [f]: v })))));
        console.log(to, f, v, "ok", r.toString().slice(0, 200));
      } catch (e) { console.log(to, f, v, "ERR", (e as any).condition, (e as any).text, (e as any).element?.toString()); }
    }
  }
  await c.stop(); await server.stop(); server.remove();
}, 60_000);
