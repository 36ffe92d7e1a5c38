import { loadConfig } from "../config/load.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";
import { IotError } from "../errors.js";

/** `xmpp-iot check --config FILE`: validate; exit 78 with one line per problem. */
export function checkCommand(args: ParsedArgs): number {
  allowFlags(args, ["config"]);
  const file = flagString(args, "config");
  if (!file) throw new IotError("BAD_INPUT", "check needs --config FILE");
  const { config } = loadConfig(file);
  const channels = config.devices.reduce((n, d) => n + Object.keys(d.channels ?? {}).length, 0);
  process.stdout.write(`${file}: ok (${config.devices.length} devices, ${channels} channels, agent ${config.xmpp.jid})\n`);
  return 0;
}
