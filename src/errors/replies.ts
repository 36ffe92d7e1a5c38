import { boundErrorText } from "../text/echo.js";
import { asIotError, ERROR_CATALOG, type IotError, type StanzaCondition, type StanzaErrorType } from "./catalog.js";

/**
 * The one mapping from the error catalog (src/errors/catalog.ts) to each front end: XMPP stanza errors
 * and ad-hoc notes, chat and room replies, MQTT command responses, CLI lines and exit codes.
 * Front ends call these and never look at an error's code themselves.
 */

export interface StanzaErrorReply {
  readonly type: StanzaErrorType;
  readonly condition: StanzaCondition;
  readonly text: string;
}

/** RFC 6120 section 8.3: the condition and type the catalog gives the code, the message as <text/>. */
export function stanzaErrorOf(error: IotError): StanzaErrorReply {
  const entry = ERROR_CATALOG[error.code];
  return { type: entry.type, condition: entry.condition, text: boundErrorText(error.message) };
}

/**
 * What an XEP-0050 command answers: a refusal of the requester (type auth) or of the moment (type
 * wait) is a stanza error; a mistake the person can fix shows the same form again with the
 * message as a note (section 4.4), when there is a form; anything else completes the command with
 * an error note naming the failure.
 */
export type AdhocReply =
  | ({ readonly kind: "stanza-error" } & StanzaErrorReply)
  | { readonly kind: "ask-again"; readonly note: string }
  | { readonly kind: "completed"; readonly note: string };

export function adhocReplyOf(error: IotError, hasForm: boolean): AdhocReply {
  const entry = ERROR_CATALOG[error.code];
  if (entry.type === "auth" || entry.type === "wait") return { kind: "stanza-error", ...stanzaErrorOf(error) };
  if (hasForm && entry.fixable) return { kind: "ask-again", note: error.message };
  return { kind: "completed", note: boundErrorText(`${entry.text}: ${error.message}`) };
}

/** The chat or room reply: one short line, bounded, since it may quote what was typed. */
export function chatReplyOf(error: IotError): string {
  return ERROR_CATALOG[error.code].chat.replace("{message}", boundErrorText(error.message));
}

/** What `<prefix>/command/<name>/response` carries for a refused request (docs/mqtt.md). */
export interface MqttErrorResponse {
  readonly id: unknown;
  readonly status: "error";
  readonly error: string;
  readonly code: string;
}

export function mqttErrorOf(id: unknown, error: IotError): MqttErrorResponse {
  return { id, status: "error", error: error.message, code: ERROR_CATALOG[error.code].mqtt };
}

/** What the CLI prints on stderr (the message, then each detail not already said) and exits with. */
export function cliReportOf(thrown: unknown): { readonly lines: readonly string[]; readonly exit: number } {
  const error = asIotError(thrown);
  return {
    lines: [`xmpp-iot: ${error.message}`, ...error.details.filter((line) => line !== error.message).map((line) => `  ${line}`)],
    exit: ERROR_CATALOG[error.code].exit,
  };
}
