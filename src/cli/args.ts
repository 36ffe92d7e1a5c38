import { IotError } from "../errors/catalog.js";

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly flags: ReadonlyMap<string, string | true>;
}

/** `cmd --name value --switch`; `--name=value` too. Unknown flags are the caller's to refuse. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq > 0) { flags.set(arg.slice(2, eq), arg.slice(eq + 1)); continue; }
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) { flags.set(arg.slice(2), next); i++; }
      else flags.set(arg.slice(2), true);
    } else if (command === undefined) {
      command = arg;
    } else {
      throw new IotError("BAD_INPUT", `unexpected argument "${arg}"`);
    }
  }
  return { command, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  if (value === true) throw new IotError("BAD_INPUT", `--${name} needs a value`);
  return value;
}

export function allowFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const name of args.flags.keys()) {
    if (!allowed.includes(name)) throw new IotError("BAD_INPUT", `unknown option --${name} for ${args.command ?? "xmpp-iot"} (allowed: ${allowed.map((a) => `--${a}`).join(", ")})`);
  }
}
