import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createAgent } from "../agent.js";
import { startDemoDashboard } from "../dashboard/demo.js";
import { parseConfig } from "../config/load.js";
import { IotError } from "../errors.js";
import { createLogger } from "../log.js";
import { PROSODY_APT_COMMAND, prosodyInstalled, startProsody, type ProsodyServer } from "../prosody/server.js";
import { createWatcher, formatWatched } from "../watch/watcher.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";

/** The repo's config.example.json: three levels up from dist/src/cli/demo.js, one from dist/xmpp-iot.mjs. */
const EXAMPLE_CONFIG_CANDIDATES = ["../../../config.example.json", "../config.example.json"].map((path) => new URL(path, import.meta.url));

/**
 * The embedded default: a private Prosody (TLS with a throwaway self-signed certificate) on a
 * loopback port chosen now, the agent on the simulated devices of config.example.json, and a
 * watcher printing what a subscriber receives. Ctrl-C removes everything it made.
 */
export async function demoCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["duration", "log-level"]);
  const duration = Number(flagString(args, "duration") ?? "0");
  if (!Number.isFinite(duration) || duration < 0) throw new IotError("BAD_INPUT", "--duration takes a number of seconds");
  ensureProsody();

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const prosody = await startProsody({ pubsubAdmins: ["agent@localhost"], tls: true, websocket: true });
  const cleanup = (): void => { try { prosody.remove(); } catch { /* already gone */ } };
  process.once("exit", cleanup);
  let received = 0;
  try {
    const agentPassword = randomBytes(12).toString("base64url");
    const demoPassword = randomBytes(9).toString("base64url");
    prosody.register("agent", agentPassword);
    prosody.register("demo", demoPassword);
    const loaded = parseConfig(demoConfig(prosody, agentPassword));
    const log = createLogger({ level: flagString(args, "log-level") ?? "warn", name: "demo" });
    const agent = createAgent(loaded, log);
    await agent.start(controller.signal);
    await agent.online(30_000);
    const dashboard = await startDemoDashboard(log, prosody.websocketUrl!, "demo@localhost", controller.signal);
    printBanner(prosody, demoPassword, dashboard.line);
    const watcher = createWatcher({
      log,
      onReading: (r) => { received++; process.stdout.write(`${formatWatched(r)}\n`); },
    }, {
      service: prosody.service, jid: "demo@localhost", password: demoPassword, tlsRequired: true,
      ca: readFileSync(prosody.certificateFile!, "utf8"), pubsub: prosody.pubsubJid, prefix: "sensors/", discoverEveryMs: 1000,
    });
    await watcher.start(controller.signal);
    if (duration > 0) setTimeout(stop, duration * 1000).unref();
    await new Promise<void>((resolve) => {
      if (controller.signal.aborted) resolve();
      controller.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    process.stdout.write(`\nstopping: ${received} readings received by the watcher\n`);
    await watcher.stop();
    await agent.stop("demo finished");
    await dashboard.stop();
  } finally {
    await prosody.stop();
    cleanup();
  }
  return received > 0 || duration === 0 ? 0 : 1;
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
    log: { level: "warn" },
  };
}

function printBanner(prosody: ProsodyServer, demoPassword: string, dashboardLine: string): void {
  process.stdout.write(`
xmpp-iot demo: private Prosody on 127.0.0.1:${prosody.port} (TLS, self-signed certificate)
  agent:        agent@localhost/agent, publishing to ${prosody.pubsubJid} nodes sensors/<device>/<channel>
  chat client:  log in as demo@localhost, password ${demoPassword}, server 127.0.0.1 port ${prosody.port}
                (accept the self-signed certificate), then message agent@localhost
  certificate:  ${prosody.certificateFile}
${dashboardLine}
Live readings as a subscriber receives them (Ctrl-C stops everything and removes ${prosody.dir}):

`);
}
