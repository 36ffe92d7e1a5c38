import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { createAgent } from "../agent/agent.js";
import { startDemoDashboard } from "../dashboard/demo.js";
import { parseConfig } from "../config/load.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { createLogger } from "../logging/log.js";
import { installRejectionNet } from "../runtime/rejection-net.js";
import { PROSODY_APT_COMMAND, prosodyInstalled, startProsody, type ProsodyServer } from "../prosody/server.js";
import { createWatcher, type WatchedReading } from "../watch/watcher.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";
import { loginBlock, summaryLines, type DemoLogin } from "./demo-banner.js";
import { rosterUri } from "./roster-uri.js";

/** The repo's config.example.json: three levels up from dist/src/cli/demo.js, one from dist/xmpp-iot.mjs. */
const EXAMPLE_CONFIG_CANDIDATES = ["../../../config.example.json", "../config.example.json"].map((path) => new URL(path, import.meta.url));

/** Writes to stdout; a closed pipe (`demo | head`) stops the demo instead of crashing it. */
function createOutput(onClosed: () => void) {
  let open = true;
  process.stdout.on("error", () => { open = false; onClosed(); });
  return (text: string): void => {
    if (!open) return;
    try { process.stdout.write(text); } catch { open = false; onClosed(); }
  };
}

/**
 * The embedded default: a private Prosody (TLS with a throwaway self-signed certificate) on a
 * port chosen now (or --port), on loopback unless --listen opens it to a phone; the agent on the
 * simulated devices of config.example.json; a watcher summarizing what a subscriber receives.
 * Ctrl-C, SIGTERM, SIGHUP and a closed stdout remove everything it made.
 */
export async function demoCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["duration", "log-level", "listen", "port", "every"]);
  const duration = Number(flagString(args, "duration") ?? "0");
  if (!Number.isFinite(duration) || duration < 0) throw new IotError("BAD_INPUT", "--duration takes a number of seconds");
  const everyS = Number(flagString(args, "every") ?? "10");
  if (!Number.isFinite(everyS) || everyS < 1 || everyS > 3600) throw new IotError("BAD_INPUT", "--every takes seconds between summary lines (1-3600)");
  const listen = flagString(args, "listen") ?? "127.0.0.1";
  if (isIP(listen) === 0) throw new IotError("BAD_INPUT", `--listen takes an IP address (127.0.0.1, 0.0.0.0, ::, or one of this host's), not "${listen}"`);
  const portText = flagString(args, "port");
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new IotError("BAD_INPUT", "--port takes a TCP port (1-65535)");
  ensureProsody();

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, stop);
  const out = createOutput(stop);

  const prosody = await startProsody({ pubsubAdmins: ["agent@localhost"], tls: true, websocket: true, interfaces: [listen], ...(port !== undefined ? { port } : {}) });
  // Also on a crash: no Prosody may outlive the demo, and its directory goes with it.
  let prosodyRunning = true;
  const cleanup = (): void => {
    // Only while it runs: after it exited, its PID may belong to someone else.
    if (prosodyRunning && prosody.pid !== undefined) { try { process.kill(prosody.pid, "SIGTERM"); } catch { /* already gone */ } }
    try { prosody.remove(); } catch { /* already gone */ }
  };
  process.once("exit", cleanup);
  let received = 0;
  let stopDashboard = async (): Promise<void> => undefined;
  try {
    const agentPassword = randomBytes(12).toString("base64url");
    const demoPassword = randomBytes(9).toString("base64url");
    prosody.register("agent", agentPassword);
    prosody.register("demo", demoPassword);
    const loaded = parseConfig(demoConfig(prosody, agentPassword));
    // Warnings at stop (readings in flight) are noise here; --log-level warn shows them.
    const log = createLogger({ level: flagString(args, "log-level") ?? "error", name: "demo" });
    installRejectionNet(log);
    const agent = createAgent(loaded, log);
    await agent.start(controller.signal);
    await agent.online(30_000);
    const login: DemoLogin = {
      listen, port: prosody.port, domain: prosody.domain, password: demoPassword, agentJid: "agent@localhost",
      pubsubJid: prosody.pubsubJid, certificateFile: prosody.certificateFile!, dir: prosody.dir,
    };
    const dashboard = await startDemoDashboard(log, prosody.websocketUrl!, "demo@localhost", controller.signal);
    stopDashboard = () => dashboard.stop();
    const block = `${loginBlock(login)}\n${dashboard.line}`;
    const uri = rosterUri(login.agentJid, loaded.config.name);
    out(`\n${block}\n\nScan to add the agent as a contact (${uri}):\n${await qrOrWhy(uri)}\n`);
    out(`Files in ${prosody.dir}; Ctrl-C stops everything and removes them.\n`);
    out(`What a subscriber to ${prosody.pubsubJid} receives, summarized every ${everyS} s:\n`);

    const latest = new Map<string, WatchedReading>();
    const counts = new Map<string, number>();
    const watcher = createWatcher({
      log,
      onReading: (r) => { received++; latest.set(`${r.device}/${r.channel}`, r); counts.set(r.device, (counts.get(r.device) ?? 0) + 1); },
    }, {
      service: prosody.service, jid: "demo@localhost", password: demoPassword, tlsRequired: true,
      ca: readFileSync(prosody.certificateFile!, "utf8"), pubsub: prosody.pubsubJid, prefix: "sensors/", discoverEveryMs: 1000,
    });
    await watcher.start(controller.signal);
    // The login block comes back every few summaries, so live output never scrolls it away for long.
    let ticks = 0;
    const timer = setInterval(() => {
      const lines = summaryLines(latest, counts);
      if (lines.length > 0) out(`${lines.join("\n")}\n`);
      if (++ticks % 6 === 0) out(`\n${block}\n\n`);
    }, everyS * 1000);
    if (duration > 0) setTimeout(stop, duration * 1000).unref();
    await new Promise<void>((resolve) => {
      if (controller.signal.aborted) resolve();
      controller.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    clearInterval(timer);
    out(`\nstopping: ${received} readings received by the watcher\n`);
    await watcher.stop();
    await agent.stop("demo finished");
  } catch (error) {
    // A signal or a closed pipe during the start is a stop, not a failure.
    if (!controller.signal.aborted) throw error;
  } finally {
    await stopDashboard();
    await prosody.stop();
    prosodyRunning = false;
    cleanup();
  }
  return received > 0 || duration === 0 ? 0 : 1;
}

/**
 * The QR code, drawn by the qrcode package: bundled into dist/xmpp-iot.mjs, a development
 * dependency otherwise (the Pi's tarball does not carry it and its 28 dependencies for the demo).
 */
async function qrOrWhy(uri: string): Promise<string> {
  try {
    const { terminalQr } = await import("./qr.js");
    return terminalQr(uri);
  } catch (error) {
    return `(no QR code: ${messageOf(error).split("\n")[0]}; add the contact by hand)`;
  }
}

function ensureProsody(): void {
  if (prosodyInstalled()) return;
  if (process.getuid?.() !== 0) {
    throw new IotError("DEPENDENCY_MISSING", `the demo needs Debian's prosody package; install it with:\n  sudo sh -c '${PROSODY_APT_COMMAND}'`);
  }
  process.stdout.write(`installing Prosody: ${PROSODY_APT_COMMAND}\n`);
  const result = spawnSync("sh", ["-c", `${PROSODY_APT_COMMAND} && (systemctl disable --now prosody 2>/dev/null || service prosody stop 2>/dev/null || true)`], {
    stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0 || !prosodyInstalled()) throw new IotError("DEPENDENCY_MISSING", `installing Prosody failed; run: ${PROSODY_APT_COMMAND}`);
}

function demoConfig(prosody: ProsodyServer, password: string): unknown {
  const file = EXAMPLE_CONFIG_CANDIDATES.find((url) => existsSync(url));
  if (!file) throw new IotError("CONFIG_UNREADABLE", `config.example.json not found next to the program (looked at ${EXAMPLE_CONFIG_CANDIDATES.map((u) => u.pathname).join(", ")})`);
  const example = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  // The example's server-specific sections are replaced by the private server; devices, ACL readers
  // and pubsub settings are the example's own.
  delete example["mqtt"];
  delete example["outbox"];
  const acl = (example["acl"] ?? {}) as { admins?: string[]; readers?: string[] };
  return {
    ...example,
    xmpp: { service: prosody.service, jid: "agent@localhost", password, resource: "agent", tls: "required", caFile: prosody.certificateFile },
    pubsub: { ...(example["pubsub"] as object), service: prosody.pubsubJid },
    acl: { admins: [...new Set([...(acl.admins ?? []), "demo@localhost"])], readers: acl.readers ?? [] },
    history: { path: join(prosody.dir, "history.jsonl"), maxRecords: 20_000 },
    log: { level: "warn" },
  };
}

