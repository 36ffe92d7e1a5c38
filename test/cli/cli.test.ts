import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort, startProsody, type ProsodyServer } from "../../src/prosody/server.js";
import { runCliSync, spawnCli } from "../harness/cli.js";

const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-cli-"));
function configFile(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe("xmpp-iot check / run exit codes", () => {
  it("check: a config with an unknown key and a wrong unit exits 78 naming both fields", () => {
    const file = configFile("bad.json", {
      xmpp: { jid: "agent@localhost", password: "x", colour: "blue" },
      devices: [{ id: "greenhouse", driver: "simulated", channels: { temperature: { unit: "degC" } } }],
    });
    const { code, stderr } = runCliSync(["check", "--config", file]);
    expect(code).toBe(78);
    const lines = stderr.split("\n").map((l) => l.trim());
    expect(lines).toContain("xmpp.colour: unknown key");
    expect(lines.some((l) => l.startsWith('devices[0].channels.temperature.unit: "degC" is not a SenML unit'))).toBe(true);
  });

  it("check: a good config exits 0 and says what it found", () => {
    const file = configFile("good.json", { xmpp: { jid: "agent@localhost", password: "x" }, devices: [{ id: "g", driver: "simulated", channels: { t: { unit: "Cel" } } }] });
    const { code, stdout } = runCliSync(["check", "--config", file]);
    expect(code).toBe(0);
    expect(stdout).toContain("ok (1 devices, 1 channels, agent agent@localhost)");
  });

  it("run: refuses a bad config the same way before starting anything", () => {
    const file = configFile("bad-run.json", { xmpp: { jid: "agent@localhost", password: "x" }, devices: [{ id: "g", driver: "simulated", intervalMs: -5, channels: {} }] });
    const { code, stderr } = runCliSync(["run", "--config", file]);
    expect(code).toBe(78);
    expect(stderr).toMatch(/devices\[0\]\.intervalMs: /);
  });

  it("run: keeps running when the XMPP server is unreachable at start, names the cause, and exits 0 on SIGTERM", async () => {
    const port = await freeLoopbackPort();
    const file = configFile("unreachable.json", { xmpp: { jid: "agent@localhost", password: "x", service: `xmpp://127.0.0.1:${port}`, tls: "off", reconnectMinMs: 200, reconnectMaxMs: 400 } });
    const agent = spawnCli(["run", "--config", file]);
    await agent.waitForOutput(/"msg":"agent started"/, 20_000);
    await agent.waitForOutput(new RegExp(`cannot reach xmpp://127.0.0.1:${port}: connection refused; is the server running and listening on that port\\? \\(ECONNREFUSED\\)","msg":"xmpp connect failed"`), 20_000);
    // Still retrying, with the attempt counter growing: not an exit 69.
    await agent.waitForOutput(/"attempt":3,[^\n]*"msg":"xmpp connect failed"/, 20_000);
    expect(agent.child.exitCode).toBeNull();
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  });

  it("run: a TCP port that accepts but never speaks XMPP is named as such, within xmpp.connectTimeoutMs, and retried", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => { sockets.add(socket); socket.on("error", () => undefined); });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const file = configFile("silent.json", { xmpp: { jid: "agent@localhost", password: "x", service: `xmpp://127.0.0.1:${port}`, tls: "off", connectTimeoutMs: 1000, reconnectMinMs: 200, reconnectMaxMs: 400 } });
      const agent = spawnCli(["run", "--config", file]);
      const expected = `no XMPP stream from 127.0.0.1:${port} within 1 s; is this the server's client port (5222)?`;
      await agent.waitForOutput(/"attempt":2,[^\n]*"msg":"xmpp connect failed"/, 30_000);
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
      const failures = agent.output().split("\n").filter((l) => l.includes('"msg":"xmpp connect failed"'));
      expect(failures.length).toBeGreaterThanOrEqual(2);
      for (const line of failures) expect(JSON.parse(line).err).toBe(`${expected} (xmpp.connectTimeoutMs for a slow server)`);
      expect(agent.output()).not.toMatch(/"err":""/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 60_000);
});

describe("xmpp-iot run against a real Prosody", () => {
  let prosody: ProsodyServer;
  beforeAll(async () => {
    prosody = await startProsody({ pubsubAdmins: ["agent@localhost"] });
    prosody.register("agent", "agent-pw");
  });
  afterAll(async () => { await prosody?.stop(); prosody?.remove(); });

  it("exits 69 with a clear message on a wrong password", () => {
    const file = configFile("wrongpw.json", { xmpp: { jid: "agent@localhost", password: "nope", service: prosody.service, tls: "off" } });
    const { code, stderr } = runCliSync(["run", "--config", file]);
    expect(code).toBe(69);
    expect(stderr).toContain("the server refused the login");
    expect(stderr).not.toContain("nope");
  });

  it("xmpps:// on the STARTTLS client port says to use xmpp:// on 5222, not OpenSSL's wrong version number", async () => {
    const file = configFile("xmpps.json", { xmpp: { jid: "agent@localhost", password: "agent-pw", service: `xmpps://127.0.0.1:${prosody.port}`, reconnectMinMs: 200, reconnectMaxMs: 400 } });
    const agent = spawnCli(["run", "--config", file]);
    await agent.waitForOutput(/"msg":"xmpp connect failed"/, 30_000);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    const failure = JSON.parse(agent.output().split("\n").find((l) => l.includes('"msg":"xmpp connect failed"'))!) as { err: string };
    expect(failure.err).toBe(`127.0.0.1:${prosody.port} does not start with TLS, so it is not a direct-TLS port (xmpps://, XEP-0368); for a STARTTLS client port (usually 5222) use xmpp://127.0.0.1:${prosody.port} instead (TLS is still required, negotiated with STARTTLS)`);
    expect(failure.err).not.toMatch(/wrong version number/i);
  }, 60_000);

  it("starts, publishes, and stops cleanly on SIGTERM with exit 0", async () => {
    const file = configFile("run.json", {
      xmpp: { jid: "agent@localhost", service: prosody.service, tls: "off" },
      pubsub: { service: prosody.pubsubJid },
      devices: [{ id: "g", driver: "simulated", intervalMs: 100, channels: { t: { unit: "Cel" } } }],
      log: { level: "info" },
    });
    const agent = spawnCli(["run", "--config", file], { XMPP_IOT_PASSWORD: "agent-pw" });
    await agent.waitForOutput(/"pubsub node ready"/, 20_000);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain('"agent stopped"');
    expect(agent.output()).not.toContain("agent-pw");
  });
});
