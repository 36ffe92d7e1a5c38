/**
 * The one error catalog (fastify's lib/errors.js is the model): stable codes, each mapped in one
 * place to a CLI exit code, an XMPP stanza error condition and a short user-facing text.
 */
export const ERROR_CATALOG = {
  CONFIG_INVALID: { exit: 78, condition: "internal-server-error", text: "invalid configuration" },
  CONFIG_UNREADABLE: { exit: 78, condition: "internal-server-error", text: "cannot read configuration" },
  SERVICE_UNREACHABLE: { exit: 69, condition: "remote-server-not-found", text: "service unreachable" },
  AUTH_FAILED: { exit: 69, condition: "not-authorized", text: "authentication failed" },
  TLS_REQUIRED: { exit: 69, condition: "policy-violation", text: "TLS required but not offered" },
  FORBIDDEN: { exit: 1, condition: "forbidden", text: "not allowed" },
  BAD_INPUT: { exit: 1, condition: "bad-request", text: "bad input" },
  UNKNOWN_DEVICE: { exit: 1, condition: "item-not-found", text: "unknown device" },
  UNKNOWN_CHANNEL: { exit: 1, condition: "item-not-found", text: "unknown channel" },
  NOT_WRITABLE: { exit: 1, condition: "not-allowed", text: "channel is not writable" },
  DEVICE_FAILING: { exit: 1, condition: "service-unavailable", text: "device is failing" },
  RATE_LIMITED: { exit: 1, condition: "resource-constraint", text: "too many requests" },
  PUBSUB_FAILED: { exit: 1, condition: "internal-server-error", text: "pubsub request failed" },
  DEPENDENCY_MISSING: { exit: 69, condition: "internal-server-error", text: "required program missing" },
  INTERNAL: { exit: 1, condition: "internal-server-error", text: "internal error" },
} as const satisfies Record<string, { exit: number; condition: string; text: string }>;

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

  get exitCode(): number {
    return ERROR_CATALOG[this.code].exit;
  }

  get stanzaCondition(): string {
    return ERROR_CATALOG[this.code].condition;
  }
}

export function isIotError(error: unknown): error is IotError {
  return error instanceof IotError;
}

export function exitCodeOf(error: unknown): number {
  return isIotError(error) ? error.exitCode : 1;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
