import type { Role } from "../acl.js";
import type { CommandRegistry, Via } from "../commands/index.js";
import { didYouMean } from "../commands/resolve.js";
import { chatReplyOf } from "../error-replies.js";

export type ParsedChat =
  | { readonly ok: true; readonly name: string; readonly input: Record<string, string> }
  | { readonly ok: false; readonly hint: string; readonly unknown?: string };

const HINT = "Try: help, list, status, read <device>[/<channel>], set <device>/<channel> <value>, history <device>/<channel>";
const PERIOD = /^\d+\s*[mhd]$/i;

/**
 * `greenhouse/lamp`, `greenhouse lamp` or `lamp` (the registry finds the device when only one has
 * a channel of that name).
 */
function target(words: readonly string[]): Record<string, string> {
  const [first = "", second] = words;
  const slash = first.indexOf("/");
  if (slash >= 0) return { device: first.slice(0, slash), channel: first.slice(slash + 1) };
  return second !== undefined ? { device: first, channel: second } : { channel: first };
}

/**
 * Chat syntax (DESIGN "Chat commands"): `help`, `list`, `status`, `read <device>[/<channel>]`,
 * `set <device>/<channel> <value>`, `history <device>/<channel> [1h|24h|7d]`. The command word is
 * case-insensitive; a value may contain spaces; `greenhouse lamp` works as `greenhouse/lamp`.
 * Names, units and decimal commas are resolved by the registry (src/commands/resolve.ts), so ad-hoc
 * and MQTT forgive the same way.
 */
export function parseChatCommand(text: string): ParsedChat {
  const trimmed = text.trim();
  const match = /^(\S+)(?:\s+(.*))?$/s.exec(trimmed);
  if (!match) return { ok: false, hint: HINT };
  const word = match[1]!.toLowerCase();
  const rest = (match[2] ?? "").trim();
  const words = rest === "" ? [] : rest.split(/\s+/);
  switch (word) {
    case "help": case "?": case "list": case "status":
      if (rest !== "" && word !== "help" && word !== "?") return { ok: false, hint: `${word} takes no argument. ${HINT}` };
      return { ok: true, name: word === "?" ? "help" : word, input: {} };
    case "read": {
      if (words.length === 0 || words.length > 2) return { ok: false, hint: "Usage: read <device>[/<channel>], e.g. read greenhouse/temperature" };
      const t = target(words);
      // One word without a slash: a device, or a channel one device has (the registry decides).
      return { ok: true, name: "read", input: words.length === 1 && !words[0]!.includes("/") ? { device: words[0]! } : t };
    }
    case "set": {
      const usage = { ok: false, hint: "Usage: set <device>/<channel> <value>, e.g. set greenhouse/lamp on" } as const;
      if (words.length < 2) return usage;
      if (words[0]!.includes("/")) {
        const t = target(words.slice(0, 1));
        if (!t["device"] || !t["channel"]) return usage;
        return { ok: true, name: "set", input: { ...t, value: rest.slice(words[0]!.length).trim() } };
      }
      if (words.length === 2) return { ok: true, name: "set", input: { channel: words[0]!, value: words[1]! } };
      const value = rest.slice(rest.indexOf(words[1]!, words[0]!.length) + words[1]!.length).trim();
      return { ok: true, name: "set", input: { device: words[0]!, channel: words[1]!, value } };
    }
    case "history": {
      const period = words.length > 1 && PERIOD.test(words.at(-1)!) ? words.at(-1)! : undefined;
      const names = period !== undefined ? words.slice(0, -1) : words;
      if (names.length === 0 || names.length > 2) return { ok: false, hint: "Usage: history <device>/<channel> [1h|24h|7d], e.g. history greenhouse/temperature 24h" };
      return { ok: true, name: "history", input: { ...target(names), ...(period !== undefined ? { period } : {}) } };
    }
    default:
      return { ok: false, hint: `Unknown command "${match[1]!.slice(0, 32)}". ${HINT}`, unknown: word };
  }
}

/** Parses and runs one chat line; the reply is short plain text (errors are one line). */
export async function runChatLine(registry: CommandRegistry, text: string, caller: { role: Role; via: Via; who: string }): Promise<string> {
  const parsed = parseChatCommand(text);
  if (!parsed.ok) {
    if (parsed.unknown === undefined) return parsed.hint;
    const close = didYouMean(parsed.unknown, registry.list(caller.role).map((c) => c.name));
    return close ? `Unknown command "${text.trim().split(/\s+/)[0]!.slice(0, 32)}":${close} ${HINT}` : parsed.hint;
  }
  const result = await registry.execute(parsed.name, parsed.input, caller);
  if (result.status === "ok") return result.text;
  return chatReplyOf(result.error);
}
