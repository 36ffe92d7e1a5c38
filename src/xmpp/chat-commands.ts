import type { Role } from "../commands/acl.js";
import { BUILTIN_CHAT_COMMANDS, type ChatCommand, type CommandRegistry, type Via } from "../commands/index.js";
import { compileChatSyntax, tryHint, type CompiledSyntax } from "../commands/chat-syntax.js";
import { didYouMean } from "../commands/resolve.js";
import { chatReplyOf } from "../errors/replies.js";

export type ParsedChat =
  | { readonly ok: true; readonly name: string; readonly input: Record<string, string> }
  | { readonly ok: false; readonly hint: string; readonly unknown?: string };

interface ChatGrammar {
  readonly commands: ReadonlyArray<{ readonly name: string; readonly syntax: CompiledSyntax }>;
  /** `Try: help, list, ...` */
  readonly hint: string;
}

function grammarOf(commands: readonly ChatCommand[]): ChatGrammar {
  const compiled = commands.map((c) => ({ name: c.name, syntax: compileChatSyntax(c) }));
  return { commands: compiled, hint: tryHint(compiled) };
}

function parseWith(grammar: ChatGrammar, text: string): ParsedChat {
  const match = /^(\S+)(?:\s+(.*))?$/s.exec(text.trim());
  if (!match) return { ok: false, hint: grammar.hint };
  const word = match[1]!.toLowerCase();
  const rest = (match[2] ?? "").trim();
  const command = grammar.commands.find((c) => c.syntax.words.includes(word));
  if (!command) return { ok: false, hint: `Unknown command "${match[1]!.slice(0, 32)}". ${grammar.hint}`, unknown: word };
  const { name, syntax } = command;
  if (!syntax.takesArguments) {
    if (rest !== "" && !syntax.ignoresArguments) return { ok: false, hint: `${word} takes no argument. ${grammar.hint}` };
    return { ok: true, name, input: {} };
  }
  const parsed = syntax.parse(rest);
  return parsed.ok ? { ok: true, name, input: parsed.input } : { ok: false, hint: syntax.usageHint };
}

/**
 * Chat syntax (DESIGN "Chat commands"), read from each command's `usage`
 * (src/commands/chat-syntax.ts): `help`, `list`, `status`, `read <device>[/<channel>]`,
 * `set <device>/<channel> <value>`, `history <device>/<channel> [1h|24h|7d]` and whatever else
 * the registry holds. The command word is case-insensitive; a value may contain spaces;
 * `greenhouse lamp` works as `greenhouse/lamp`. Names, units and decimal commas are resolved by the
 * registry (src/commands/resolve.ts), so ad-hoc and MQTT forgive the same way.
 */
export function parseChatCommand(text: string, commands: readonly ChatCommand[] = BUILTIN_CHAT_COMMANDS): ParsedChat {
  return parseWith(grammarOf(commands), text);
}

/** Parses and runs one chat or room line; the reply is short plain text (errors are one line). */
export async function runChatLine(registry: CommandRegistry, text: string, caller: { role: Role; via: Via; who: string }): Promise<string> {
  // Every command is parsed, whoever asks: a reader's `set` is refused by the registry in words.
  const grammar = grammarOf(registry.list("admin"));
  const parsed = parseWith(grammar, text);
  if (!parsed.ok) {
    if (parsed.unknown === undefined) return parsed.hint;
    const close = didYouMean(parsed.unknown, registry.list(caller.role).map((c) => c.name));
    return close ? `Unknown command "${text.trim().split(/\s+/)[0]!.slice(0, 32)}":${close} ${grammar.hint}` : parsed.hint;
  }
  const result = await registry.execute(parsed.name, parsed.input, caller);
  if (result.status === "ok") return result.text;
  return chatReplyOf(result.error);
}
