import { readFileSync } from "node:fs";
import { IotError, messageOf } from "../errors/catalog.js";
import { createLogger } from "../logging/log.js";
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
  const prefix = flagString(args, "prefix") ?? "sensors/";
  const json = args.flags.has("json");
  const log = createLogger({ level: flagString(args, "log-level") ?? "warn", name: "watch" });
  const watcher = createWatcher({
    log,
    onReading: (r) => process.stdout.write(`${json ? JSON.stringify(r) : formatWatched(r)}\n`),
    // Plain words on stderr, so --json output on stdout stays one object a line.
    onNotice: (text) => process.stderr.write(`${text}\n`),
  }, {
    service: flagString(args, "service") ?? `xmpp://${jid.split("@")[1]}:5222`,
    jid, password,
    tlsRequired: flagString(args, "tls") !== "off",
    ...(caFile ? { ca: readFileSync(caFile, "utf8") } : {}),
    ...(pubsub ? { pubsub } : {}),
    ...(pep ? { pep } : {}),
    prefix,
  });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await watcher.start(controller.signal).catch((error: unknown) => {
    const failure = error instanceof IotError ? error : new IotError("SERVICE_UNREACHABLE", messageOf(error));
    // The agent's hint names its config key; here the flag is what the person can change.
    // The connection's TLS hint speaks of the agent's config key; watch's option is --ca.
    throw failure.message.includes("xmpp.caFile")
      ? new IotError(failure.code, failure.message.replace(/set xmpp\.caFile to [^;)]*/, "pass --ca FILE to trust a private CA or a self-signed certificate").replaceAll("xmpp.caFile", "--ca"))
      : failure;
  });
  const count = watcher.subscribed().length;
  process.stderr.write(`watching ${count} node${count === 1 ? "" : "s"} under ${prefix} on ${pubsub ?? pep}${watcher.awaitingApproval() ? ` (waiting for ${pep} to approve)` : count === 0 ? " (more are picked up as they appear)" : ""}; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await watcher.stop();
  return 0;
}
