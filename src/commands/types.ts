import type { z } from "zod";
import type { Role } from "./acl.js";
import type { IotError } from "../errors/catalog.js";

/** Who may run a command: readers may list/read/status; admins everything (DESIGN "ACL"). */
export type Permission = "reader" | "admin";

/** Which front-end asked; only for logs and wording, never for permission decisions. */
export type Via = "adhoc" | "chat" | "muc" | "mqtt" | "cli";

export interface CommandCaller {
  readonly role: Role;
  readonly via: Via;
  /** Bare JID or client id, for logs. */
  readonly who?: string;
}

/** A tabular view of the data, for front-ends that can show one (XEP-0004 reported/item). */
export interface ResultTable {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** Zigbee2MQTT-style discriminated union: every front-end maps it in its own way. */
export type CommandResult =
  | { readonly status: "ok"; readonly data: unknown; readonly text: string; readonly table?: ResultTable }
  | { readonly status: "error"; readonly error: IotError };

/**
 * An input field as a front-end should ask for it. `choice` lists the real devices or channels;
 * the value types let a form show a checkbox or a number box (XEP-0004 / XEP-0122).
 */
export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: "choice" | "boolean" | "number" | "text";
  readonly required: boolean;
  readonly options?: readonly string[];
  /** Current value, pre-filled in forms. */
  readonly value?: string;
  readonly description?: string;
  /** Bounds of a number field (XEP-0122 section 3.2 `<range/>`). */
  readonly min?: number;
  readonly max?: number;
}

/**
 * What chat needs beyond `usage` (src/commands/chat-syntax.ts reads both): the usage line is the
 * parser, these are its few extras.
 */
export interface ChatSyntax {
  /** A line that works, shown after the usage when the words do not fit it. */
  readonly example?: string;
  /** Other words that run the command (`?` for help). */
  readonly aliases?: readonly string[];
  /** Words after the command are ignored instead of refused. */
  readonly ignoresArguments?: boolean;
  /** A `[a|b|c]` word of the usage: the input field it fills and the shape a word needs to be it. */
  readonly args?: Readonly<Record<string, { readonly field: string; readonly pattern: RegExp }>>;
}

/** What a command is called and how it is typed: fixed, whatever devices are configured. */
export interface CommandHead {
  readonly name: string;
  readonly description: string;
  readonly permission: Permission;
  /**
   * Chat syntax, e.g. `read <device>[/<channel>]`: shown by `help`, and what the chat and room
   * parser reads (src/commands/chat-syntax.ts); `<field>` names an input field.
   */
  readonly usage: string;
  readonly chat?: ChatSyntax;
}

export interface CommandDefinition<Schema extends z.ZodType = z.ZodType> extends CommandHead {
  readonly input: Schema;
  /**
   * Fields asked at each stage (multi-stage forms use XEP-0050 `next`); `partial` holds what
   * earlier stages gave. An empty list at stage 0 means the command runs at once.
   */
  readonly stages: ReadonlyArray<(partial: Readonly<Record<string, string>>) => FieldSpec[]>;
  /** Cross-field checks after a stage (e.g. the channel belongs to the device): a message, or undefined. */
  readonly checks?: ReadonlyArray<((partial: Readonly<Record<string, string>>) => string | undefined) | undefined>;
  run(input: z.infer<Schema>, caller: CommandCaller): Promise<Omit<Extract<CommandResult, { status: "ok" }>, "status">>;
}

export interface CommandInfo extends CommandHead {
  readonly stageCount: number;
}
