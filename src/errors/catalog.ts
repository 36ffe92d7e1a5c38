/**
 * The one error catalog (fastify's lib/errors.js is the model): stable codes, each saying what
 * every front end makes of it. src/errors/replies.ts holds the one mapping per front end.
 *
 * - `exit`: the process exit code (sysexits.h: 78 EX_CONFIG, 69 EX_UNAVAILABLE; 1 otherwise).
 * - `condition` and `type`: the stanza error (RFC 6120 section 8.3.3 conditions, each with the
 *   type that section recommends: auth, cancel, modify or wait).
 * - `text`: a short name of the failure, put before the message in an ad-hoc note.
 * - `chat`: the chat and room reply, `{message}` standing for the error's own words.
 * - `mqtt`: the `code` a command response carries on `<prefix>/command/<name>/response`, a
 *   published contract (docs/mqtt.md).
 * - `fixable`: the person can fix it by changing what they typed (an ad-hoc form asks again).
 */
export interface ErrorEntry {
  readonly exit: number;
  readonly condition: StanzaCondition;
  readonly type: StanzaErrorType;
  readonly text: string;
  readonly chat: string;
  readonly mqtt: string;
  readonly fixable: boolean;
}

/** RFC 6120 section 8.3.2. */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

/** The defined conditions of RFC 6120 section 8.3.3 (`undefined-condition` included). */
export const STANZA_CONDITIONS = [
  "bad-request", "conflict", "feature-not-implemented", "forbidden", "gone", "internal-server-error",
  "item-not-found", "jid-malformed", "not-acceptable", "not-allowed", "not-authorized", "policy-violation",
  "recipient-unavailable", "redirect", "registration-required", "remote-server-not-found",
  "remote-server-timeout", "resource-constraint", "service-unavailable", "subscription-required",
  "undefined-condition", "unexpected-request",
] as const;
export type StanzaCondition = (typeof STANZA_CONDITIONS)[number];

const ERROR = "Error: {message}";

export const ERROR_CATALOG = {
  CONFIG_INVALID: { exit: 78, condition: "internal-server-error", type: "cancel", text: "invalid configuration", chat: ERROR, mqtt: "CONFIG_INVALID", fixable: false },
  CONFIG_UNREADABLE: { exit: 78, condition: "internal-server-error", type: "cancel", text: "cannot read configuration", chat: ERROR, mqtt: "CONFIG_UNREADABLE", fixable: false },
  SERVICE_UNREACHABLE: { exit: 69, condition: "remote-server-not-found", type: "cancel", text: "service unreachable", chat: ERROR, mqtt: "SERVICE_UNREACHABLE", fixable: false },
  AUTH_FAILED: { exit: 69, condition: "not-authorized", type: "auth", text: "authentication failed", chat: ERROR, mqtt: "AUTH_FAILED", fixable: false },
  TLS_REQUIRED: { exit: 69, condition: "policy-violation", type: "modify", text: "TLS required but not offered", chat: ERROR, mqtt: "TLS_REQUIRED", fixable: false },
  FORBIDDEN: { exit: 1, condition: "forbidden", type: "auth", text: "not allowed", chat: ERROR, mqtt: "FORBIDDEN", fixable: false },
  BAD_INPUT: { exit: 1, condition: "bad-request", type: "modify", text: "bad input", chat: ERROR, mqtt: "BAD_INPUT", fixable: true },
  UNKNOWN_DEVICE: { exit: 1, condition: "item-not-found", type: "cancel", text: "unknown device", chat: ERROR, mqtt: "UNKNOWN_DEVICE", fixable: true },
  UNKNOWN_CHANNEL: { exit: 1, condition: "item-not-found", type: "cancel", text: "unknown channel", chat: ERROR, mqtt: "UNKNOWN_CHANNEL", fixable: true },
  NOT_WRITABLE: { exit: 1, condition: "not-allowed", type: "cancel", text: "channel is not writable", chat: ERROR, mqtt: "NOT_WRITABLE", fixable: true },
  DEVICE_FAILING: { exit: 1, condition: "service-unavailable", type: "cancel", text: "device is failing", chat: ERROR, mqtt: "DEVICE_FAILING", fixable: false },
  // The rate-limit replies are whole sentences that say when to try again: no "Error:" before them.
  RATE_LIMITED: { exit: 1, condition: "resource-constraint", type: "wait", text: "too many requests", chat: "{message}", mqtt: "RATE_LIMITED", fixable: false },
  DEPENDENCY_MISSING: { exit: 69, condition: "internal-server-error", type: "cancel", text: "required program missing", chat: ERROR, mqtt: "DEPENDENCY_MISSING", fixable: false },
  INTERNAL: { exit: 1, condition: "internal-server-error", type: "cancel", text: "internal error", chat: ERROR, mqtt: "INTERNAL", fixable: false },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class IotError extends Error {
  readonly code: ErrorCode;
  /** Extra lines for the user (e.g. one per config problem). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "IotError";
    this.code = code;
    this.details = options.details ?? [];
  }

  /** The process exit code the catalog gives this code. */
  get exitCode(): number {
    return ERROR_CATALOG[this.code].exit;
  }
}

export function isIotError(error: unknown): error is IotError {
  return error instanceof IotError;
}

/** Anything thrown, as an IotError: a foreign error is INTERNAL with its own message. */
export function asIotError(error: unknown): IotError {
  return isIotError(error) ? error : new IotError("INTERNAL", messageOf(error), { cause: error });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
