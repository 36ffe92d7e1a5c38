import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { startSlixClient } from "../commands/client.js";
import { freeLoopbackPort } from "../../src/prosody/server.js";
import { CLI, spawnCli } from "../harness/cli.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const prosodyOf = (dir: string): string => spawnSync("pgrep", ["-f", `${dir}/prosody.cfg.lua`], { encoding: "utf8" }).stdout.trim();

async function gone(dir: string): Promise<void> {
  for (let i = 0; i < 100 && (existsSync(dir) || prosodyOf(dir) !== ""); i++) await sleep(100);
  expect(existsSync(dir), `${dir} removed`).toBe(false);
  expect(prosodyOf(dir), "no Prosody left").toBe("");
}

const refused = (host: string, port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = connect(port, host);
  socket.once("connect", () => { socket.destroy(); resolve(false); });
  socket.once("error", () => resolve(true));
});

/** The compiled CLI's demo, joined the way a phone joins it: the login block, TLS pinned by the printed fingerprint. */
describe("xmpp-iot demo (the embedded default)", () => {
  it("prints a login block a phone can use, summarizes readings, repeats the block, and leaves nothing behind", async () => {
    const port = await freeLoopbackPort();
    const demo = spawnCli(["demo", "--duration", "14", "--every", "1", "--port", String(port)]);
    await demo.waitForOutput(/summarized every 1 s/, 30_000);
    const output = demo.output();
    const password = /account {3}demo@localhost {4}password (\S+)/.exec(output)![1]!;
    expect(output).toContain(`│ server    127.0.0.1    port ${port}`);
    const certificate = /install (\/\S+\.crt) as a trusted certificate/.exec(output)![1]!;
    const fingerprint = /SHA-256 ([0-9A-F:]{95})/.exec(output)![1]!;
    const openssl = spawnSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", certificate], { encoding: "utf8" }).stdout;
    expect(openssl.trim()).toBe(`sha256 Fingerprint=${fingerprint}`);
    expect(output).toContain("Scan to add the agent as a contact (xmpp:agent@localhost?roster;name=greenhouse-pi):");
    // A phone: STARTTLS trusting that certificate, the printed account, then a command.
    const phone = await startSlixClient(port, "demo@localhost/phone", password, { phone: true, ca: certificate });
    try {
      await phone.call({ op: "chat", to: "agent@localhost", body: "read Greenhouse/Lamp" });
      const reply = (await phone.call({ op: "wait_messages", type: "chat", timeout: 10 }))["messages"] as Array<{ body: string }>;
      expect(reply[0]?.body).toMatch(/^greenhouse\/lamp: off \(\d+s ago\)$/);
    } finally {
      await phone.stop();
    }

    expect(await demo.exited).toBe(0);
    const all = demo.output();
    // One summary line per device; its channels in the order their first reading arrived.
    const summary = all.split("\n").find((l) => /^greenhouse {3}\S/.test(l)) ?? "";
    expect(summary).toMatch(/ {2}\(\d+ new\)$/);
    expect(summary.replace(/ {2}\(\d+ new\)$/, "").slice(13).split(" · ").sort()).toEqual([
      expect.stringMatching(/^humidity [\d.]+ %RH$/), expect.stringMatching(/^lamp (false|true)$/), expect.stringMatching(/^temperature -?[\d.]+ Cel$/),
    ]);
    expect(all.match(/┌─ xmpp-iot demo: log in with any XMPP app/g)?.length).toBeGreaterThanOrEqual(2);
    expect(all).toMatch(/stopping: \d+ readings received by the watcher/);
    await gone(/Files in (\/\S+);/.exec(all)![1]!);
  });

  it("listens where --listen says, and cleans up on SIGHUP", async () => {
    const demo = spawnCli(["demo", "--every", "1", "--listen", "::1"]);
    await demo.waitForOutput(/^greenhouse {3}\S/m, 30_000);
    const output = demo.output();
    const dir = /Files in (\/\S+);/.exec(output)![1]!;
    const port = Number(/│ server {4}::1 {4}port (\d+)/.exec(output)![1]);
    // The agent and the watcher reached it on ::1 (readings arrive); IPv4 loopback is not served.
    expect(await refused("::1", port)).toBe(false);
    expect(await refused("127.0.0.1", port)).toBe(true);
    expect(prosodyOf(dir)).not.toBe("");
    demo.child.kill("SIGHUP");
    expect(await demo.exited).toBe(0);
    await gone(dir);
  });

  it("cleans up when its stdout pipe closes (demo | head)", async () => {
    // The shell pipeline a person types; head exits after 8 lines, the demo's next write fails.
    const shell = spawn("sh", ["-c", `"${process.execPath}" "${CLI}" demo --every 1 | head -n 8`], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    shell.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => shell.once("exit", resolve));
    expect(code).toBe(0);
    const dir = /install (\/\S+)\/localhost\.crt/.exec(output)?.[1];
    expect(dir, output).toBeDefined();
    await gone(dir!);
  });
});
