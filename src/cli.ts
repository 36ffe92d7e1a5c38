#!/usr/bin/env node
import { cliReportOf } from "./errors/replies.js";
import { ERROR_CATALOG } from "./errors/catalog.js";
import { parseArgs } from "./cli/args.js";
import { checkCommand } from "./cli/check.js";
import { runCommand } from "./cli/run.js";
import { watchCommand } from "./cli/watch.js";
import { demoCommand } from "./cli/demo.js";
import { dashboardCommand } from "./cli/dashboard.js";

const USAGE = `usage: xmpp-iot <command> [options]
  run   --config FILE     run the agent
  check --config FILE     validate a config (exit 78 with one line per problem)
  watch --jid JID [--service xmpp://host:port] [--pubsub JID | --pep AGENT_JID] [--prefix sensors/]
        [--tls off] [--ca FILE] [--json]      print readings live (password: XMPP_IOT_PASSWORD or --password-file)
  dashboard [--port N] [--listen ADDR]      serve the browser dashboard (default 127.0.0.1:8380)
  demo  [--duration SECONDS]                  local Prosody + simulated devices + agent + watcher
exit codes: 0 ok, 78 bad config, 69 the server refused the login (run; watch and demo also when unreachable), 1 anything else`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  switch (args.command) {
    case "run": return runCommand(args);
    case "check": return checkCommand(args);
    case "watch": return watchCommand(args);
    case "dashboard": return dashboardCommand(args);
    case "demo": return demoCommand(args);
    case undefined: case "help": process.stdout.write(`${USAGE}\n`); return 0;
    default: process.stderr.write(`unknown command "${args.command}"\n${USAGE}\n`); return ERROR_CATALOG.BAD_INPUT.exit;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const report = cliReportOf(error);
    process.stderr.write(`${report.lines.join("\n")}\n`);
    process.exit(report.exit);
  },
);
