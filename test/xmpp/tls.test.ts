import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../../src/agent/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { IotError } from "../../src/errors/catalog.js";
import { createLogger } from "../../src/logging/log.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificates } from "../../src/ejabberd/certificates.js";
import { startEjabberd, type EjabberdServer } from "../../src/ejabberd/server.js";
import { SERVER_KINDS, startServerWith, type XmppServer } from "../harness/servers.js";

const silent = createLogger({ level: "silent" });

function agentFor(server: XmppServer, xmpp: Record<string, unknown>) {
  return createAgent(parseConfig({
    xmpp: { service: server.service, jid: "agent@localhost", password: "agent-pw", reconnectMinMs: 100, ...xmpp },
    pubsub: { service: server.pubsubJid },
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

describe.each(SERVER_KINDS)("TLS is required unless turned off for loopback (%s)", (kind) => {
  let tlsServer: XmppServer;
  let plainServer: XmppServer;
  beforeAll(async () => {
    // ejabberd: a certificate from a private CA made for the test; Prosody: a self-signed one.
    [tlsServer, plainServer] = await Promise.all([startServerWith(kind, { agent: "agent-pw" }, { tls: true }), startServerWith(kind, { agent: "agent-pw" })]);
  }, 60_000);
  afterAll(async () => {
    for (const s of [tlsServer, plainServer]) { await s?.stop(); s?.remove(); }
  });

  it("logs in over STARTTLS trusting the private CA (or self-signed certificate) given as xmpp.caFile", async () => {
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
    expect(error.message).toMatch(/not from a public CA: set xmpp\.caFile/);
  });

  it("with xmpp.caFile set to an unrelated CA, says that CA did not sign the certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-other-ca-"));
    try {
      const other = makeCertificates(dir, "localhost", ["localhost"]).caFile;
      const error = await startError(agentFor(tlsServer, { caFile: other }));
      expect(error.code).toBe("SERVICE_UNREACHABLE");
      expect(error.message).toMatch(/the CA in xmpp\.caFile did not sign the server's certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

/**
 * Debian's /etc/ejabberd/ejabberd.pem: CN=ejabberd, no subjectAltName. Trusting it (xmpp.caFile)
 * cannot make it name the domain; the hint must say that, not "set xmpp.caFile" again.
 */
describe("a certificate that does not name the domain (Debian's ejabberd.pem)", () => {
  let server: EjabberdServer;
  beforeAll(async () => {
    server = await startEjabberd({ tls: { names: [] } });
    server.register("agent", "agent-pw");
  }, 60_000);
  afterAll(async () => { await server?.stop(); server?.remove(); });

  it("with xmpp.caFile set: says the certificate does not name the domain and what works", async () => {
    const error = await startError(agentFor(server, { caFile: server.certificateFile }));
    expect(error.code).toBe("SERVICE_UNREACHABLE");
    expect(error.message).toMatch(/the server's certificate does not name localhost; xmpp\.caFile is set and trusted, but trust cannot fix a wrong name/);
    expect(error.message).toMatch(/ACME/);
    expect(error.message).toMatch(/subjectAltName=DNS:localhost/);
    expect(error.message).not.toMatch(/set xmpp\.caFile/);
  });

  it("without xmpp.caFile: suggests xmpp.caFile (the trust check fails first)", async () => {
    const error = await startError(agentFor(server, {}));
    expect(error.message).toMatch(/set xmpp\.caFile/);
  });
});
