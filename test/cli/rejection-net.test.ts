import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIST = fileURLToPath(new URL("../../dist/src/", import.meta.url));

/**
 * A real Node process (default --unhandled-rejections=throw) with the safety net `xmpp-iot run`
 * installs, and a rejected promise nobody handles, made by xmpp.js's own StanzaError class.
 */
function runWithNet(rejection: string): { code: number | null; stdout: string; stderr: string } {
  const script = `
    import { StanzaError } from ${JSON.stringify(`${DIST}xmpp/xmppjs.js`)};
    import { createLogger } from ${JSON.stringify(`${DIST}logging/log.js`)};
    import { installRejectionNet } from ${JSON.stringify(`${DIST}runtime/rejection-net.js`)};
    installRejectionNet(createLogger({ level: "info" }));
    Promise.reject(${rejection});
    setTimeout(() => { process.stdout.write("still running\\n"); process.exit(0); }, 200);
  `;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000, cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("process-level safety net for unhandled rejections", () => {
  it("logs an unhandled StanzaError and keeps the process running", () => {
    const { code, stdout, stderr } = runWithNet(`new StanzaError("resource-constraint", "Unknown field 'pubsub#max_items' of type 'http://jabber.org/protocol/pubsub#publish-options'")`);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("still running");
    const line = JSON.parse(stderr.split("\n").find((l) => l.includes("stanza error"))!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 50, condition: "resource-constraint", msg: "unhandled XMPP stanza error; ignored, the agent keeps running" });
    expect(line["text"]).toContain("pubsub#max_items");
  });

  it("anything else is still fatal (exit 1), logged first", () => {
    const { code, stdout, stderr } = runWithNet(`new TypeError("a bug")`);
    expect(code).toBe(1);
    expect(stdout).not.toContain("still running");
    expect(stderr).toMatch(/"level":60.*"err":"a bug".*"msg":"unhandled promise rejection"/);
  });
});
