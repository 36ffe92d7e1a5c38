import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logging/log.js";
import { createDashboardServer, type DashboardServer } from "./serve.js";

function get(url: string, path: string, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    // A raw path, so "../" reaches the server as sent instead of being normalized by URL.
    const req = request({ host: target.hostname, port: target.port, path, method }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => { body += chunk.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

describe("dashboard file server", () => {
  let dir: string;
  let server: DashboardServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "xmpp-iot-dashboard-"));
    mkdirSync(join(dir, "site"));
    writeFileSync(join(dir, "site", "index.html"), "<!doctype html><p>page</p>");
    writeFileSync(join(dir, "site", "app.js"), "export {};");
    writeFileSync(join(dir, "secret.txt"), "outside the root");
    server = createDashboardServer({ log: createLogger({ level: "silent" }) }, { root: join(dir, "site"), host: "127.0.0.1", port: 0 });
    await server.start(new AbortController().signal);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page with its type and the security headers", async () => {
    const index = await get(server.url(), "/");
    expect(index.status).toBe(200);
    expect(index.body).toContain("page");
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["content-security-policy"]).toContain("connect-src ws: wss:");
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    expect((await get(server.url(), "/app.js")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
  });

  it("serves nothing outside its folder and only GET/HEAD", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/missing.js"]) {
      const response = await get(server.url(), path);
      expect(response.status, path).toBe(404);
      expect(response.body).not.toContain("outside the root");
    }
    expect((await get(server.url(), "/", "POST")).status).toBe(405);
    const head = await get(server.url(), "/", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("says which address it could not take", async () => {
    const port = Number(new URL(server.url()).port);
    const second = createDashboardServer({ log: createLogger({ level: "silent" }) }, { root: join(dir, "site"), host: "127.0.0.1", port });
    await expect(second.start(new AbortController().signal)).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
  });
});
