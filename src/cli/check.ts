import { loadConfig } from "../config/load.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";
import { IotError } from "../errors/catalog.js";

/**
 * `xmpp-iot check --config FILE`: validate; exit 78 with one line per problem (field path, what to
 * do). Likely mistakes that are still valid (e.g. unit "C", the coulomb, on a temperature) are
 * printed as warnings and do not fail the check.
 */
export function checkCommand(args: ParsedArgs): number {
  allowFlags(args, ["config"]);
  const file = flagString(args, "config");
  if (!file) throw new IotError("BAD_INPUT", "check needs --config FILE");
  const { config, warnings } = loadConfig(file);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const channels = config.devices.reduce((n, d) => n + Object.keys(d.channels ?? {}).length, 0);
  const noted = warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : "";
  process.stdout.write(`${file}: ok (${config.devices.length} devices, ${channels} channels, agent ${config.xmpp.jid}${noted})\n`);
  return 0;
}
