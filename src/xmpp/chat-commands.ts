import type { Role } from "../acl.js";
import type { CommandRegistry, Via } from "../commands/index.js";
import { boundErrorText } from "../echo.js";

export type ParsedChat =
  | { readonly ok: true; readonly name: string; readonly input: Record<string, string> }
  | { readonly ok: false; readonly hint: string };

const HINT = "Try: help, list, status, read <device>[/<channel>], set <device>/<channel> <value>";

/**
 * Chat syntax (DESIGN "Chat commands"): `help`, `list`, `status`, `read <device>[/<channel>]`,
 * `set <device>/<channel> <value>`. The command word is case-insensitive; a value may contain spaces.
 */
export function parseChatCommand(text: string): ParsedChat {
  const trimmed = text.trim();
  const match = /^(\S+)(?:\s+(.*))?$/s.exec(trimmed);
  if (!match) return { ok: false, hint: HINT };
  const word = match[1]!.toLowerCase();
  const rest = (match[2] ?? "").trim();
  const target = (arg: string): [string, string | undefined] => {
    const slash = arg.indexOf("/");
    return slash < 0 ? [arg, undefined] : [arg.slice(0, slash), arg.slice(slash + 1)];
  };
  switch (word) {
    case "help": case "?": case "list": case "status":
      if (rest !== "" && word !== "help" && word !== "?") return { ok: false, hint: `${word} takes no argument. ${HINT}` };
      return { ok: true, name: word === "?" ? "help" : word, input: {} };
    case "read": {
      if (rest === "" || /\s/.test(rest)) return { ok: false, hint: "Usage: read <device>[/<channel>], e.g. read greenhouse/temperature" };
      const [device, channel] = target(rest);
      return { ok: true, name: "read", input: { device, ...(channel ? { channel } : {}) } };
    }
    case "set": {
      const m = /^(\S+)\s+(.+)$/s.exec(rest);
      const [device, channel] = m ? target(m[1]!) : ["", undefined];
      if (!m || !device || !channel) return { ok: false, hint: "Usage: set <device>/<channel> <value>, e.g. set greenhouse/lamp on" };
      return { ok: true, name: "set", input: { device, channel, value: m[2]!.trim() } };
    }
    default:
      return { ok: false, hint: `Unknown command "${match[1]!.slice(0, 32)}". ${HINT}` };
  }
}

/** Parses and runs one chat line; the reply is short plain text (errors are one line). */
export async function runChatLine(registry: CommandRegistry, text: string, caller: { role: Role; via: Via; who: string }): Promise<string> {
  const parsed = parseChatCommand(text);
  if (!parsed.ok) return parsed.hint;
  const result = await registry.execute(parsed.name, parsed.input, caller);
  if (result.status === "ok") return result.text;
  return `Error: ${boundErrorText(result.error.message)}`;
}
