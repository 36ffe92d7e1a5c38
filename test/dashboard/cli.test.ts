import { describe, expect, it } from "vitest";
import { runCliSync, spawnCli } from "../harness/cli.js";

describe("xmpp-iot dashboard", () => {
  it("serves the built page on loopback and stops on Ctrl-C", async () => {
    const cli = spawnCli(["dashboard", "--port", "0"]);
    try {
      await cli.waitForOutput(/dashboard: http:\/\/127\.0\.0\.1:\d+\//, 15_000);
      const url = /dashboard: (http\S+)/.exec(cli.output())![1]!;
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      for (const label of ["JID", "Password", "WebSocket URL"]) expect(html).toContain(`>${label}</label>`);
      expect((await fetch(new URL("app.js", url))).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    } finally {
      cli.child.kill("SIGINT");
    }
    expect(await cli.exited).toBe(0);
  });

  it("refuses a bad port or address with a message saying what it takes", () => {
    const port = runCliSync(["dashboard", "--port", "http"]);
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('--port takes a TCP port number 0-65535 (0: any free port), not "http"');
    const listen = runCliSync(["dashboard", "--listen", "example.org"]);
    expect(listen.code).toBe(1);
    expect(listen.stderr).toContain('--listen takes an IP address such as 127.0.0.1, ::1 or 0.0.0.0, not "example.org"');
    const unknown = runCliSync(["dashboard", "--bind", "x"]);
    expect(unknown.stderr).toContain("unknown option --bind for dashboard");
  });
});
