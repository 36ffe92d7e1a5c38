/**
 * The one command registry (DESIGN "One command registry, many front-ends").
 *
 *   const registry = createCommandRegistry({ devices, pipeline, status });
 *   registry.list(role)                       -> CommandInfo[] the role may run (disco#items, help)
 *   registry.execute(name, rawInput, { role, via, who? })
 *       -> Promise<{ status: "ok", data, text, table? } | { status: "error", error: IotError }>
 *   registry.fields(name, stage, partial)    -> FieldSpec[] (what a form asks at that stage)
 *   registry.check(name, stage, partial)     -> string | undefined (cross-field problem after a stage)
 *   registry.register(definition)            -> adds a command to every front end (chat and rooms
 *                                               read its `usage`, src/commands/chat-syntax.ts)
 *
 * `execute` never throws: unknown command, forbidden role (stranger, or a reader asking for an
 * admin command), input that fails the command's zod schema, and driver refusals all come back as
 * `{ status: "error", error }` with a code from src/errors/catalog.ts (FORBIDDEN, BAD_INPUT,
 * UNKNOWN_DEVICE, UNKNOWN_CHANNEL, NOT_WRITABLE, ...). `rawInput` is a plain object, e.g.
 * `{ device: "greenhouse", channel: "lamp", value: "on" }`; values may be strings (chat, forms,
 * MQTT) and are coerced by the device manager to the channel's type. Handlers know nothing of
 * XMPP or MQTT; `text` is a short plain-text rendering that reads well on a phone.
 */
import type { z } from "zod";
import type { Role } from "./acl.js";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { IotError, isIotError, messageOf } from "../errors/catalog.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { AgentStatus } from "../status/status.js";
import { BUILTIN_HEADS, builtinCommands } from "./builtin.js";
import { compileChatSyntax, type ChatCommand } from "./chat-syntax.js";
import { didYouMean } from "./resolve.js";
import { HISTORY_HEAD, historyCommand } from "./history.js";
import type { History } from "../history/rollup.js";
import type { CommandCaller, CommandDefinition, CommandInfo, CommandResult, FieldSpec, Permission } from "./types.js";

export type { ChatSyntax, CommandCaller, CommandDefinition, CommandInfo, CommandResult, FieldSpec, Permission, Via } from "./types.js";
export type { ChatCommand } from "./chat-syntax.js";
export { formatReading, formatValue } from "./format.js";

export interface CommandRegistryDeps {
  readonly devices: DeviceManager;
  readonly pipeline: Pipeline;
  readonly status: () => AgentStatus;
  readonly now?: () => number;
  /** The minute rollup behind `history` (src/history); absent: no `history` command. */
  readonly history?: History;
}

/** The built-in commands' names and chat syntax, in the registry's order (without devices or a registry). */
export const BUILTIN_CHAT_COMMANDS: readonly ChatCommand[] = [
  BUILTIN_HEADS.list, BUILTIN_HEADS.read, BUILTIN_HEADS.set, HISTORY_HEAD, BUILTIN_HEADS.status, BUILTIN_HEADS.help,
];

export function mayRun(permission: Permission, role: Role): boolean {
  return role === "admin" || (role === "reader" && permission === "reader");
}

/** "device: required; value: expected string" from a zod error, naming each field. */
function describeIssues(error: z.ZodError, raw: unknown): string {
  return error.issues.map((issue) => {
    const path = issue.path.join(".");
    if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
    const given = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], raw);
    const message = given === undefined ? "required" : issue.code === "invalid_union" ? "expected a number, on/off or text" : issue.message;
    return path ? `${path}: ${message}` : message;
  }).join("; ");
}

export function createCommandRegistry(deps: CommandRegistryDeps) {
  const now = deps.now ?? Date.now;
  const byName = new Map<string, CommandDefinition>();
  const info = (c: CommandDefinition): CommandInfo => ({
    name: c.name, description: c.description, permission: c.permission, usage: c.usage, stageCount: c.stages.length,
    ...(c.chat !== undefined ? { chat: c.chat } : {}),
  });
  const describe = (): CommandInfo[] => [...byName.values()].map(info);
  /** A new command for every front end; its usage must read as chat syntax (else it throws, at start). */
  const register = <Schema extends z.ZodType>(command: CommandDefinition<Schema>): void => {
    if (byName.has(command.name)) throw new Error(`command ${command.name} is registered twice`);
    compileChatSyntax(command);
    // Stored without its schema's type: `execute` parses the input with that schema before `run`.
    byName.set(command.name, command as unknown as CommandDefinition);
  };
  const commands = builtinCommands({ ...deps, now, describe });
  // `history` sits before `status` and `help` in listings.
  if (deps.history) commands.splice(3, 0, historyCommand({ devices: deps.devices, pipeline: deps.pipeline, history: deps.history, now }));
  for (const command of commands) register(command);

  return {
    register,
    /** The commands this role may run, in a stable order. */
    list(role: Role): CommandInfo[] {
      return describe().filter((c) => mayRun(c.permission, role));
    },
    get(name: string): CommandInfo | undefined {
      const command = byName.get(name);
      return command ? info(command) : undefined;
    },
    /** Fields a form asks at `stage` (0-based), given what earlier stages answered. */
    fields(name: string, stage: number, partial: Readonly<Record<string, string>> = {}): FieldSpec[] {
      return byName.get(name)?.stages[stage]?.(partial) ?? [];
    },
    /** What is wrong with the answers so far at `stage`, in words for the user; undefined when fine. */
    check(name: string, stage: number, partial: Readonly<Record<string, string>>): string | undefined {
      return byName.get(name)?.checks?.[stage]?.(partial);
    },

    async execute(name: string, rawInput: unknown, caller: CommandCaller): Promise<CommandResult> {
      const command = byName.get(name) ?? byName.get(name.toLowerCase());
      if (!command) {
        const mine = describe().filter((c) => mayRun(c.permission, caller.role)).map((c) => c.name);
        return { status: "error", error: new IotError("BAD_INPUT", `unknown command "${name.slice(0, 32)}";${didYouMean(name, mine)} try: help`) };
      }
      if (!mayRun(command.permission, caller.role)) {
        return { status: "error", error: new IotError("FORBIDDEN", caller.role === "stranger" ? "not allowed" : `${name} is for admins only`) };
      }
      const parsed = command.input.safeParse(rawInput ?? {});
      if (!parsed.success) return { status: "error", error: new IotError("BAD_INPUT", `${name}: ${describeIssues(parsed.error, rawInput)}`) };
      try {
        return { status: "ok", ...(await command.run(parsed.data, caller)) };
      } catch (error) {
        return { status: "error", error: isIotError(error) ? error : new IotError("INTERNAL", `${name} failed: ${messageOf(error)}`, { cause: error }) };
      }
    },
  };
}

export type CommandRegistry = ReturnType<typeof createCommandRegistry>;
