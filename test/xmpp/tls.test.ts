import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../../src/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { IotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { startProsody, type ProsodyServer } from "../../src/prosody/server.js";

const silent = createLogger({ level: "silent" });

function agentFor(prosody: ProsodyServer, xmpp: Record<string, unknown>) {
  return createAgent(parseConfig({
    xmpp: { service: prosody.service, jid: "agent@localhost", password: "agent-pw", reconnectMinMs: 100, ...xmpp },
    pubsub: { service: prosody.pubsubJid },
  }, {}), silent);
}

/** The agent starts (devices, outbox) and keeps retrying in the background; the cause of its failed attempts. */
async function startError(agent: ReturnType<typeof agentFor>): Promise<IotError> {
  await agent.start();
  try {
    await agent.online(5000);
  } catch (error) {
    return error as IotError;
  } finally {
    await agent.stop();
  }
  throw new Error("the agent connected but should not have");
}

describe("TLS is required unless turned off for loopback", () => {
  let tlsServer: ProsodyServer;
  let plainServer: ProsodyServer;
  beforeAll(async () => {
    [tlsServer, plainServer] = await Promise.all([startProsody({ tls: true }), startProsody({})]);
    tlsServer.register("agent", "agent-pw");
    plainServer.register("agent", "agent-pw");
  });
  afterAll(async () => {
    for (const s of [tlsServer, plainServer]) { await s?.stop(); s?.remove(); }
  });

  it("logs in over STARTTLS trusting a self-signed certificate given as xmpp.caFile", async () => {
    const agent = agentFor(tlsServer, { caFile: tlsServer.certificateFile });
    await agent.start();
    await agent.online(30_000);
    expect(agent.connection.isOnline()).toBe(true);
    await agent.stop();
  });

  it("refuses an untrusted certificate and says how to trust it (no switch to ignore it)", async () => {
    const error = await startError(agentFor(tlsServer, {}));
    expect(error.code).toBe("SERVICE_UNREACHABLE");
    expect(error.exitCode).toBe(69);
    expect(error.message).toMatch(/caFile/);
  });

  it("refuses to log in when the server offers no TLS", async () => {
    const error = await startError(agentFor(plainServer, {}));
    expect(error.code).toBe("TLS_REQUIRED");
    expect(error.message).toContain("does not offer TLS");
  });

  it('logs in without TLS on loopback when "tls": "off"', async () => {
    const agent = agentFor(plainServer, { tls: "off" });
    await agent.start();
    await agent.online(30_000);
    expect(agent.connection.isOnline()).toBe(true);
    await agent.stop();
  });
});
