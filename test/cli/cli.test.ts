import { mkdtempSync, writeFileSync } from "node:fs";
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

  it("run: exits 69 when the XMPP server is unreachable at start", async () => {
    const port = await freeLoopbackPort();
    const file = configFile("unreachable.json", { xmpp: { jid: "agent@localhost", password: "x", service: `xmpp://127.0.0.1:${port}`, tls: "off" } });
    const { code, stderr } = runCliSync(["run", "--config", file]);
    expect(code).toBe(69);
    expect(stderr).toContain(`cannot reach xmpp://127.0.0.1:${port}`);
  });
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
