import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capsVer, CAPS_NODE } from "../../src/xmpp/disco.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython } from "../harness/python.js";

describe("presence, disco#info, caps and ping as a slixmpp client sees them", () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({
      devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 1000, channels: { temperature: { unit: "Cel" } } }],
    });
  });
  afterAll(async () => { await bed?.stop(); });

  it("shows health in presence, answers disco#info and ping, and says goodbye on stop", async () => {
    const probe = runPython("slixmpp_probe.py", [
      "--jid", "alice@localhost", "--port", String(bed.server.port), "--agent", "agent@localhost/agent",
      "--no-tls", "--wait-unavailable", "20",
    ], { PROBE_PASSWORD: ACCOUNTS.alice });
    await probe.waitFor((l) => "ready" in l, 30_000);

    const presence = probe.lines.find((l) => "presence" in l)!["presence"] as Record<string, string | null>;
    expect(presence["status"]).toBe("1/1 devices ok");
    expect(presence["show"]).toBe("");
    expect(presence["caps_node"]).toBe(CAPS_NODE);
    expect(presence["caps_hash"]).toBe("sha-1");

    const disco = probe.lines.find((l) => "disco" in l)!["disco"] as { identities: string[][]; features: string[] };
    expect(disco.identities).toEqual([["client", "bot", `xmpp-iot ${bed.agent.config.name}`]]);
    expect(disco.features).toEqual(expect.arrayContaining([
      "http://jabber.org/protocol/commands", "http://jabber.org/protocol/disco#info",
      "http://jabber.org/protocol/caps", "urn:xmpp:ping",
    ]));
    // The advertised caps hash is the one computed from what disco#info answers (XEP-0115 section 5.1).
    expect(presence["caps_ver"]).toBe(capsVer({ category: "client", type: "bot", name: `xmpp-iot ${bed.agent.config.name}` }, disco.features));
    expect(probe.lines.find((l) => "ping_ms" in l)!["ping_ms"]).toBeLessThan(1000);

    await bed.agent.stop("maintenance");
    await probe.waitFor((l) => "unavailable" in l, 10_000);
    expect(probe.lines.find((l) => "unavailable" in l)!["unavailable"]).toBe("maintenance");
    const { code, stderr } = await probe.exited;
    expect(code, stderr).toBe(0);
  });
});
