import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loginBlock, reachableAddresses, summaryLines } from "./demo-banner.js";

const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-banner-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the demo's login block", () => {
  const certificate = join(dir, "localhost.crt");
  spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, "k"), "-out", certificate], { encoding: "utf8" });
  const login = { port: 5222, domain: "localhost", password: "pw", agentJid: "agent@localhost", pubsubJid: "pubsub.localhost", certificateFile: certificate, dir };

  it("lists this host's LAN addresses for a wildcard listen and drops the loopback-only note", () => {
    const lan = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => !a.internal && a.family === "IPv4").map((a) => a.address);
    expect(reachableAddresses("0.0.0.0")).toEqual(lan.length > 0 ? lan : ["127.0.0.1"]);
    expect(reachableAddresses("192.0.2.7")).toEqual(["192.0.2.7"]);
    const block = loginBlock({ ...login, listen: "192.0.2.7" });
    expect(block).toContain("│ server    192.0.2.7    port 5222");
    expect(block).not.toContain("only this computer can connect");
    const fingerprint = spawnSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", certificate], { encoding: "utf8" }).stdout.trim().split("=")[1];
    expect(block).toContain(`SHA-256 ${fingerprint}`);
    expect(loginBlock({ ...login, listen: "127.0.0.1" })).toContain("only this computer can connect; for a phone on your network: demo --listen 0.0.0.0");
  });

  it("summarizes a device's channels in one line and counts what came since the last line", () => {
    const at = { itemId: "1", receivedAt: 0 };
    const latest = new Map([
      ["g/t", { ...at, node: "sensors/g/t", device: "g", channel: "t", value: 21.456, unit: "Cel" }],
      ["g/lamp", { ...at, node: "sensors/g/lamp", device: "g", channel: "lamp", value: true }],
    ]);
    const counts = new Map([["g", 7]]);
    expect(summaryLines(latest, counts)).toEqual(["g            t 21.46 Cel · lamp true  (7 new)"]);
    expect(summaryLines(latest, counts)).toEqual(["g            t 21.46 Cel · lamp true  (0 new)"]);
  });
});
