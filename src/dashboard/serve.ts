import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { IotError, messageOf } from "../errors/catalog.js";

/**
 * Where `npm run build` puts the page: dist/dashboard, seen from dist/src/dashboard, from
 * dist/xmpp-iot.mjs, or from src/dashboard when tests run the sources.
 */
const ROOT_CANDIDATES = ["../../dashboard/", "./dashboard/", "../../dist/dashboard/"].map((path) => fileURLToPath(new URL(path, import.meta.url)));

export function findDashboardRoot(): string {
  const root = ROOT_CANDIDATES.find((dir) => existsSync(join(dir, "index.html")));
  if (!root) throw new IotError("DEPENDENCY_MISSING", `the dashboard files are missing (looked in ${ROOT_CANDIDATES.join(", ")}); run: npm run build`);
  return root;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".png": "image/png", ".svg": "image/svg+xml", ".map": "application/json", ".ico": "image/x-icon",
};

/**
 * The page talks only to the XMPP server the user names (ws:/wss:), loads nothing from elsewhere,
 * and may not be framed by another site (the login form holds a password).
 */
const HEADERS = {
  "content-security-policy": "default-src 'self'; connect-src ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export interface DashboardServerOptions {
  readonly root: string;
  readonly host: string;
  /** 0: a free port chosen now. */
  readonly port: number;
}

/** A static file server for the dashboard's built files; GET and HEAD only, nothing outside `root`. */
export function createDashboardServer(deps: { log: Logger }, options: DashboardServerOptions) {
  let server: Server | undefined;
  let port = options.port;

  async function respond(method: string, rawUrl: string): Promise<{ status: number; type: string; body: Buffer | string }> {
    if (method !== "GET" && method !== "HEAD") return { status: 405, type: "text/plain", body: "method not allowed\n" };
    let path: string;
    try {
      path = decodeURIComponent(new URL(rawUrl, "http://x").pathname);
    } catch {
      return { status: 400, type: "text/plain", body: "bad path\n" };
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(options.root, path));
    if (!file.startsWith(normalize(options.root.endsWith(sep) ? options.root : options.root + sep)) || path.includes("\0")) {
      return { status: 404, type: "text/plain", body: "not found\n" };
    }
    try {
      return { status: 200, type: TYPES[extname(file)] ?? "application/octet-stream", body: await readFile(file) };
    } catch {
      return { status: 404, type: "text/plain", body: "not found\n" };
    }
  }

  return {
    url: (): string => `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}/`,
    async start(signal: AbortSignal): Promise<void> {
      server = createServer((request, response) => {
        respond(request.method ?? "GET", request.url ?? "/").then(({ status, type, body }) => {
          response.writeHead(status, { ...HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
          response.end(request.method === "HEAD" ? undefined : body);
        }, (error: unknown) => {
          deps.log.warn({ err: messageOf(error) }, "dashboard request failed");
          response.destroy();
        });
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", (error: NodeJS.ErrnoException) => reject(new IotError("BAD_INPUT", `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`)));
        listening.listen(options.port, options.host, () => resolve());
      });
      const address = listening.address();
      if (typeof address === "object" && address) port = address.port;
      signal.addEventListener("abort", () => void this.stop(), { once: true });
    },
    async stop(): Promise<void> {
      const closing = server;
      server = undefined;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

export type DashboardServer = ReturnType<typeof createDashboardServer>;
