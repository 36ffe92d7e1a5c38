import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntity, type XmppEntity } from "../../src/xmpp/entity.js";
import { MAX_UNACKED_BEFORE_REQUEST } from "../../src/xmpp/xmppjs.js";
import { startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { eventually } from "../harness/wait.js";

/**
 * xmpp.js 0.14 asks for XEP-0198 acks only after 250 ms without outgoing stanzas, so at a steady
 * rate its queue of unacknowledged stanzas never empties; src/xmpp/xmppjs.ts boundUnackedQueue bounds it.
 * A real Prosody (mod_smacks) answers the <r/> requests.
 */
describe("XEP-0198 outbound queue at a steady rate", () => {
  let prosody: ProsodyServer;
  let xmpp: XmppEntity;
  beforeAll(async () => {
    prosody = await startProsody({ logLevel: "warn" });
    prosody.register("steady", "steady-pw");
    xmpp = createEntity({ service: prosody.service, domain: prosody.domain, username: "steady", password: "steady-pw", resource: "r", tlsRequired: false });
    xmpp.entity.on("error", () => undefined);
    await xmpp.entity.start();
  }, 30_000);
  afterAll(async () => {
    await xmpp?.entity.stop().catch(() => undefined);
    await prosody?.stop();
    prosody?.remove();
  });

  it("stays about one request round trip long while 400 stanzas go out every 5 ms", async () => {
    const sm = xmpp.streamManagement as unknown as { enabled: boolean; outbound_q: unknown[]; outbound: number };
    // <enabled/> may arrive just after "online"
    await eventually(() => sm.enabled, "stream management enabled", 3000);
    expect(sm.enabled).toBe(true);
    let longest = 0;
    const to = `nobody@${prosody.domain}`; // offline storage off: Prosody answers nothing, but counts it
    for (let i = 0; i < 400; i++) {
      await xmpp.entity.send(xml("message", { to, type: "headline", id: `m${i}` }, xml("body", {}, String(i))));
      longest = Math.max(longest, sm.outbound_q.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await eventually(() => sm.outbound_q.length, "every stanza acknowledged", 2000, { until: (queued) => queued === 0, everyMs: 10 });
    // Upstream alone would hold all 400 until the link went quiet for 250 ms.
    expect(longest).toBeLessThanOrEqual(MAX_UNACKED_BEFORE_REQUEST);
    expect(sm.outbound_q.length).toBe(0);
    expect(sm.outbound).toBeGreaterThanOrEqual(400); // every one acknowledged by the server
  }, 30_000);
});
