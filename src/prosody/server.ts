import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IotError } from "../errors/catalog.js";
import { renderProsodyConfig } from "./config.js";

export const PROSODY_APT_COMMAND = "apt-get update && apt-get install -y prosody";

export interface ProsodyOptions {
  readonly domain?: string;
  readonly pubsubAdmins?: readonly string[];
  /** Generate a self-signed certificate and require STARTTLS. */
  readonly tls?: boolean;
  /** Reuse a port (restart after stop); default: a free loopback port chosen now. */
  readonly port?: number;
  /** Reuse a directory (keeps accounts and nodes across a restart). */
  readonly dir?: string;
  readonly logLevel?: "debug" | "info" | "warn";
  /** false: TCP_NODELAY on the server's sockets (the benchmark measures both). */
  readonly nagle?: boolean;
  /** Lua's collector mode; absent = Prosody's default (incremental). */
  readonly luaGc?: "incremental" | "generational";
  /** Addresses to listen on (default 127.0.0.1); the first is the one the agent and tests connect to. */
  readonly interfaces?: readonly string[];
  /** Also serve XMPP over WebSocket (RFC 7395) on a second loopback port chosen now. */
  readonly websocket?: boolean;
}

export interface ProsodyServer {
  readonly port: number;
  readonly domain: string;
  readonly pubsubJid: string;
  readonly mucJid: string;
  readonly service: string;
  readonly dir: string;
  /** PEM of the self-signed certificate when started with `tls: true`. */
  readonly certificateFile?: string;
  /** The server process, for a synchronous kill at process exit. */
  readonly pid?: number;
  /** ws://127.0.0.1:<port>/xmpp-websocket when started with `websocket: true`. */
  readonly websocketUrl?: string;
  register(username: string, password: string): void;
  stop(): Promise<void>;
  /** Remove the directory; `stop()` first. */
  remove(): void;
}

export function prosodyInstalled(): boolean {
  return existsSync("/usr/bin/prosody") && existsSync("/usr/bin/prosodyctl");
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A private Prosody on 127.0.0.1 in its own directory; nothing outside `dir` is touched. */
export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyServer> {
  if (!prosodyInstalled()) {
    throw new IotError("DEPENDENCY_MISSING", `Prosody is not installed; run: ${PROSODY_APT_COMMAND}`);
  }
  const domain = options.domain ?? "localhost";
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "xmpp-iot-prosody-"));
  mkdirSync(join(dir, "data"), { recursive: true, mode: 0o700 });
  const port = options.port ?? (await freeLoopbackPort());
  const websocketPort = options.websocket ? await freeLoopbackPort() : undefined;
  let tls: { certificate: string; key: string } | undefined;
  if (options.tls) tls = makeSelfSignedCertificate(dir, domain);
  const configFile = join(dir, "prosody.cfg.lua");
  writeFileSync(configFile, renderProsodyConfig({
    dir, port, domain, pubsubAdmins: options.pubsubAdmins ?? [], runAsRoot: process.getuid?.() === 0,
    ...(tls ? { tls } : {}), ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.nagle !== undefined ? { nagle: options.nagle } : {}),
    ...(options.luaGc !== undefined ? { luaGc: options.luaGc } : {}),
    ...(options.interfaces !== undefined ? { interfaces: options.interfaces } : {}),
    ...(websocketPort !== undefined ? { websocketPort } : {}),
  }));
  const host = connectHost(options.interfaces?.[0] ?? "127.0.0.1");

  const child = spawn("prosody", ["-F", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPort(host, port, 15_000, () => child.exitCode !== null);
    if (websocketPort !== undefined) await waitForPort("127.0.0.1", websocketPort, 15_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill("SIGKILL");
    throw new IotError("SERVICE_UNREACHABLE", `Prosody did not start on ${host}:${port}: ${String(error)}\n${output}`);
  }

  return {
    port, domain, dir,
    pubsubJid: `pubsub.${domain}`,
    mucJid: `conference.${domain}`,
    service: `xmpp://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ...(tls ? { certificateFile: tls.certificate } : {}),
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    ...(websocketPort !== undefined ? { websocketUrl: `ws://127.0.0.1:${websocketPort}/xmpp-websocket` } : {}),
    register(username, password) {
      const result = spawnSync("prosodyctl", ["--config", configFile, "register", username, domain, password], { encoding: "utf8", timeout: 20_000 });
      if (result.status !== 0) throw new Error(`prosodyctl register ${username} failed: ${result.stderr}${result.stdout}`);
    },
    async stop() {
      await stopChild(child, exited);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Where to connect to reach a server listening on `address` (a wildcard is reached on loopback). */
function connectHost(address: string): string {
  return address === "*" || address === "0.0.0.0" ? "127.0.0.1" : address === "::" ? "::1" : address;
}

async function waitForPort(host: string, port: number, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error("prosody exited");
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once("connect", () => { socket.destroy(); resolve(true); });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timeout after ${timeoutMs} ms`);
}

function makeSelfSignedCertificate(dir: string, domain: string): { certificate: string; key: string } {
  const certificate = join(dir, `${domain}.crt`);
  const key = join(dir, `${domain}.key`);
  const result = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${domain}`,
    "-addext", `subjectAltName=DNS:${domain},DNS:*.${domain}`, "-keyout", key, "-out", certificate,
  ], { encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { certificate, key };
}
