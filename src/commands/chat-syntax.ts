import type { ChatSyntax } from "./types.js";

/**
 * A command's chat syntax, read from its `usage` (DESIGN "Chat commands"), so a command added to
 * the registry is typed in chat and rooms the way its help line shows it:
 *
 *   `<device>/<channel>`    a target: `greenhouse/lamp`, `greenhouse lamp`, or `lamp` alone (the
 *                           registry finds the one device with that channel)
 *   `<device>[/<channel>]`  the same with the channel optional: one word alone is the device (or,
 *                           the registry decides, a channel one device has)
 *   `<value>`               one word; the last one takes the rest of the line, spaces and all
 *   `[<period>]`, `[1h|7d]` an optional last word; `chat.args` gives the field of a `[a|b]` word
 *                           and the shape a word must have to count as it
 *
 * Names in `<>` are the fields of the command's input.
 */

export interface ChatCommand {
  readonly name: string;
  readonly usage: string;
  readonly chat?: ChatSyntax;
}

type Slot =
  | { readonly kind: "target"; readonly device: string; readonly channel: string; readonly channelOptional: boolean }
  | { readonly kind: "word"; readonly field: string }
  | { readonly kind: "optional"; readonly field: string; readonly pattern: RegExp | undefined };

export type ParsedLine =
  | { readonly ok: true; readonly input: Record<string, string> }
  | { readonly ok: false; readonly usage: true };

export interface CompiledSyntax {
  /** The words that run it: its name and aliases, lower case. */
  readonly words: readonly string[];
  /** The usage without optional trailing words, for the one-line "Try:" list. */
  readonly short: string;
  readonly takesArguments: boolean;
  /** Words after a command that takes none are dropped, not refused (help's). */
  readonly ignoresArguments: boolean;
  /** `Usage: set <device>/<channel> <value>, e.g. set greenhouse/lamp on` */
  readonly usageHint: string;
  parse(rest: string): ParsedLine;
}

const TARGET = /^<([a-z][\w-]*)>(\[)?\/<([a-z][\w-]*)>(\])?$/i;
const FIELD = /^<([a-z][\w-]*)>$/i;
const OPTIONAL_FIELD = /^\[<([a-z][\w-]*)>\]$/i;

function compileSlot(token: string, command: ChatCommand): Slot {
  const target = TARGET.exec(token);
  if (target && Boolean(target[2]) === Boolean(target[4])) {
    return { kind: "target", device: target[1]!, channel: target[3]!, channelOptional: target[2] !== undefined };
  }
  const field = FIELD.exec(token);
  if (field) return { kind: "word", field: field[1]! };
  const spec = command.chat?.args?.[token];
  const optional = OPTIONAL_FIELD.exec(token);
  if (optional || (token.startsWith("[") && token.endsWith("]") && spec)) {
    return { kind: "optional", field: spec?.field ?? optional![1]!, pattern: spec?.pattern };
  }
  throw new Error(`command ${command.name}: usage word "${token}" is not <field>, <device>/<channel>, <device>[/<channel>], [<field>] or a [a|b] word described in chat.args`);
}

/** Reads `usage` once, when the command is registered; a usage it cannot read is a programming error. */
export function compileChatSyntax(command: ChatCommand): CompiledSyntax {
  const [name = "", ...tokens] = command.usage.trim().split(/\s+/);
  if (name.toLowerCase() !== command.name.toLowerCase()) throw new Error(`command ${command.name}: usage must start with its name, not "${name}"`);
  const slots = tokens.map((token) => compileSlot(token, command));
  const firstOptional = slots.findIndex((s) => s.kind === "optional");
  if (firstOptional >= 0 && slots.slice(firstOptional).some((s) => s.kind !== "optional")) throw new Error(`command ${command.name}: optional words come last in usage`);
  if (slots.filter((s) => s.kind === "target").length > 1 || slots.findIndex((s) => s.kind === "target") > 0) throw new Error(`command ${command.name}: one <device>/<channel> at most, first`);
  const required = firstOptional >= 0 ? slots.slice(0, firstOptional) : slots;
  const optional = (firstOptional >= 0 ? slots.slice(firstOptional) : []) as Array<Extract<Slot, { kind: "optional" }>>;
  const usageHint = `Usage: ${command.usage}${command.chat?.example !== undefined ? `, e.g. ${command.chat.example}` : ""}`;
  const shortTokens = optional.length > 0 ? [name, ...tokens.slice(0, firstOptional)] : [name, ...tokens];

  return {
    words: [command.name, ...(command.chat?.aliases ?? [])].map((w) => w.toLowerCase()),
    short: shortTokens.join(" "),
    takesArguments: slots.length > 0,
    ignoresArguments: command.chat?.ignoresArguments === true,
    usageHint,
    parse(rest: string): ParsedLine {
      const spans = [...rest.matchAll(/\S+/g)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
      const input: Record<string, string> = {};
      // Optional words are taken from the end, last first, only while every required slot keeps a word.
      let end = spans.length;
      for (let i = optional.length - 1; i >= 0 && end > required.length; i--) {
        const slot = optional[i]!;
        if (slot.pattern && !slot.pattern.test(spans[end - 1]!.word)) continue;
        input[slot.field] = spans[end - 1]!.word;
        end--;
      }
      const words = spans.slice(0, end);
      const after = required.filter((s) => s.kind === "word").length;
      let at = 0;
      for (const [index, slot] of required.entries()) {
        const last = index === required.length - 1;
        if (slot.kind === "target") {
          const first = words[0]?.word;
          if (first === undefined) return { ok: false, usage: true };
          // With words after it, the target takes two words only when the rest still has one each.
          const size = after === 0 ? words.length : first.includes("/") || words.length - after < 2 ? 1 : 2;
          if (size < 1 || size > 2 || words.length < size + after) return { ok: false, usage: true };
          const slash = first.indexOf("/");
          if (slash >= 0) {
            const device = first.slice(0, slash);
            const channel = first.slice(slash + 1);
            // `set /lamp on`: with a value after it, an empty name means the words were misplaced.
            if (after > 0 && (device === "" || channel === "")) return { ok: false, usage: true };
            Object.assign(input, { [slot.device]: device, [slot.channel]: channel });
          } else if (size === 2) {
            Object.assign(input, { [slot.device]: first, [slot.channel]: words[1]!.word });
          } else {
            input[slot.channelOptional ? slot.device : slot.channel] = first;
          }
          at = size;
        } else if (slot.kind === "word") {
          const word = words[at];
          if (word === undefined) return { ok: false, usage: true };
          // The last field takes the rest of the line as typed: `set display/text hello  world`.
          input[slot.field] = last ? rest.slice(word.start, words.at(-1)!.end) : word.word;
          at = last ? words.length : at + 1;
        }
      }
      if (at < words.length) return { ok: false, usage: true };
      return { ok: true, input };
    },
  };
}

/**
 * `Try: help, list, status, read <device>[/<channel>], ...`: help first, then the commands that
 * take no argument, then the others, each group in the registry's order.
 */
export function tryHint(commands: ReadonlyArray<{ readonly name: string; readonly syntax: CompiledSyntax }>): string {
  const rank = (c: { name: string; syntax: CompiledSyntax }): number => (c.name === "help" ? 0 : c.syntax.takesArguments ? 2 : 1);
  return `Try: ${[...commands].sort((a, b) => rank(a) - rank(b)).map((c) => c.syntax.short).join(", ")}`;
}
