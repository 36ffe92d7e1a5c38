import { readFileSync } from "node:fs";
import { IotError, messageOf } from "../errors.js";
import { createLogger } from "../log.js";
import { createWatcher, formatWatched } from "../watch/watcher.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";

/** `xmpp-iot watch`: subscribe to the agent's nodes and print readings as they arrive. */
export async function watchCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["jid", "service", "pubsub", "pep", "prefix", "tls", "ca", "json", "password-file", "log-level"]);
  const jid = flagString(args, "jid");
  if (!jid || !jid.includes("@")) throw new IotError("BAD_INPUT", "watch needs --jid user@domain");
  const passwordFile = flagString(args, "password-file");
  const password = passwordFile ? readFileSync(passwordFile, "utf8").trim() : process.env["XMPP_IOT_PASSWORD"];
  if (!password) throw new IotError("BAD_INPUT", "watch needs a password: --password-file FILE or XMPP_IOT_PASSWORD");
  const pubsub = flagString(args, "pubsub");
  const pep = flagString(args, "pep");
  if (!pubsub && !pep) throw new IotError("BAD_INPUT", "watch needs --pubsub SERVICE_JID or --pep AGENT_JID");
  const caFile = flagString(args, "ca");
  const json = args.flags.has("json");
  const log = createLogger({ level: flagString(args, "log-level") ?? "warn", name: "watch" });
  const watcher = createWatcher({
    log,
    onReading: (r) => process.stdout.write(`${json ? JSON.stringify(r) : formatWatched(r)}\n`),
  }, {
    service: flagString(args, "service") ?? `xmpp://${jid.split("@")[1]}:5222`,
    jid, password,
    tlsRequired: flagString(args, "tls") !== "off",
    ...(caFile ? { ca: readFileSync(caFile, "utf8") } : {}),
    ...(pubsub ? { pubsub } : {}),
    ...(pep ? { pep } : {}),
    prefix: flagString(args, "prefix") ?? "sensors/",
  });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await watcher.start(controller.signal).catch((error: unknown) => { throw error instanceof IotError ? error : new IotError("SERVICE_UNREACHABLE", messageOf(error)); });
  if (!json) process.stderr.write(`watching ${watcher.subscribed().length} nodes; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await watcher.stop();
  return 0;
}
