import { createAgent } from "../agent/agent.js";
import { loadConfig } from "../config/load.js";
import { IotError } from "../errors/catalog.js";
import { createLogger } from "../logging/log.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";
import { createSdNotify } from "../systemd/sd-notify.js";
import { systemdStatusLine } from "../systemd/status-line.js";
import { dieBySignal } from "../systemd/restart.js";
import { installRejectionNet } from "../runtime/rejection-net.js";

/**
 * `xmpp-iot run --config FILE`: a bad config is refused before anything starts (exit 78); a good
 * one starts the devices at once and connects in the background; a refused login exits 69.
 */
export async function runCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["config"]);
  const file = flagString(args, "config");
  if (!file) throw new IotError("BAD_INPUT", "run needs --config FILE");
  const loaded = loadConfig(file);
  // log.format auto: pretty lines in a terminal, `<prio>[part] message key=value` under systemd
  // (journalctl -p works), JSON lines into a pipe or file.
  const log = createLogger({ level: loaded.config.log.level, name: loaded.config.name, format: loaded.config.log.format });
  for (const warning of loaded.warnings) log.warn({ part: "config" }, warning);
  installRejectionNet(log); // a stanza error nobody awaited is logged, never fatal
  const agent = createAgent(loaded, log);
  const controller = new AbortController();
  let stopping: Promise<void> | undefined;
  // systemd Type=notify (READY, WATCHDOG, STATUS, STOPPING); a no-op outside systemd.
  const notify = createSdNotify({ env: process.env, log: log.child({ part: "systemd" }) });
  let stopSignal: string | undefined;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    log.info({ signal }, "shutting down");
    stopSignal = signal;
    void notify.stopping(signal === "SIGHUP" ? "restarting to reload the config" : "shutting down");
    stopping = agent.stop(`${signal}: shutting down`);
    controller.abort();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // SIGHUP = clean restart with the new config, not an in-process reload (docs/deployment.md).
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  await notify.start(controller.signal);
  await agent.start(controller.signal);
  if (!controller.signal.aborted) await notify.ready(systemdStatusLine(agent.status()));
  const statusTimer = setInterval(() => void notify.status(systemdStatusLine(agent.status())), 15_000);
  statusTimer.unref();
  // READY=1 comes once the devices run (the connection may still be coming up, e.g. before the
  // network); `systemctl status` learns of the connection as soon as it is there.
  const onOnline = (): void => void notify.status(systemdStatusLine(agent.status()));
  agent.connection.events.on("online", onOnline);
  // A signal during start (or during READY) has already aborted: an abort listener added now
  // would never fire, the loop would drain and the process would exit 0 mid-shutdown.
  // A wrong password is the one connect failure that does not fix itself: stop and exit 69.
  // Anything else (no network yet, server down, slow) is retried in the background.
  let refused: IotError | undefined;
  void agent.failed.then((error) => { refused = error; shutdown("login refused"); });
  if (!controller.signal.aborted) await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await stopping;
  agent.connection.events.off("online", onOnline);
  if (refused) {
    clearInterval(statusTimer);
    await notify.stop();
    throw refused;
  }
  clearInterval(statusTimer);
  await notify.stop();
  if (stopSignal === "SIGHUP") await dieBySignal("SIGHUP");
  return 0;
}
