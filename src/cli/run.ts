import { createAgent } from "../agent.js";
import { loadConfig } from "../config/load.js";
import { IotError } from "../errors.js";
import { createLogger } from "../log.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";

/** `xmpp-iot run --config FILE`: a bad config is refused before anything starts (exit 78). */
export async function runCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["config"]);
  const file = flagString(args, "config");
  if (!file) throw new IotError("BAD_INPUT", "run needs --config FILE");
  const loaded = loadConfig(file);
  const log = createLogger({ level: loaded.config.log.level, name: loaded.config.name });
  const agent = createAgent(loaded, log);
  const controller = new AbortController();
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    log.info({ signal }, "shutting down");
    stopping = agent.stop(`${signal}: shutting down`);
    controller.abort();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  await agent.start(controller.signal);
  await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await stopping;
  return 0;
}
