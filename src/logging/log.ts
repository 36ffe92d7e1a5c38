import { writeSync } from "node:fs";
import pino, { type DestinationStream, type Logger } from "pino";
import { isJournalStream, journalDestination } from "./journal-log.js";

export type { Logger } from "pino";

/**
 * Paths pino censors wherever they appear in a log object: passwords and credentials never reach
 * a log, even at debug level (a test proves it). Redaction happens while pino serializes, so every
 * format below (JSON, pretty, journal) only ever sees the censored record.
 */
export const REDACT_PATHS = [
  "password",
  "passwordFile",
  "credentials",
  "*.password",
  "*.credentials",
  "*.*.password",
  "config.xmpp.password",
  "config.mqtt.password",
  "secret",
  "*.secret",
];

/** `log.format`: `auto` = pretty in a terminal, journal lines under systemd, JSON otherwise. */
export type LogFormat = "auto" | "json" | "pretty";

export interface LogOptions {
  readonly level: string;
  readonly name?: string;
  readonly format?: LogFormat;
}

export interface LogTarget {
  /** Where lines go; default stderr (fd 2). */
  readonly destination?: DestinationStream;
  /** Whether the destination is a terminal; default: stderr's isTTY when writing to fd 2. */
  readonly isTTY?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function createLogger(options: LogOptions, target: DestinationStream | LogTarget = {}): Logger {
  const settings = {
    level: options.level,
    name: options.name ?? "xmpp-iot",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: null,
  };
  const { destination, isTTY, env } = "write" in target ? { destination: target, isTTY: false, env: undefined } : target;
  return pino(settings, chooseDestination(options.format ?? "auto", destination, isTTY, env ?? process.env));
}

function chooseDestination(format: LogFormat, destination: DestinationStream | undefined, isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): DestinationStream {
  // XMPP_IOT_LOG_FORMAT (e.g. in a unit drop-in) overrides auto, not an explicit log.format.
  const fromEnv = env["XMPP_IOT_LOG_FORMAT"];
  if (format === "auto" && (fromEnv === "json" || fromEnv === "pretty")) format = fromEnv;
  const raw: DestinationStream = destination ?? pino.destination({ dest: 2, sync: true });
  const tty = isTTY ?? (destination === undefined && process.stderr.isTTY === true);
  if (format === "json") return raw;
  if (format === "pretty") return prettyDestination(raw, tty && !env["NO_COLOR"]);
  // auto: systemd's journal gets its own readable lines with priorities (src/logging/journal-log.ts);
  // a terminal gets pretty lines; a pipe or file (log shippers, tests) keeps pino's JSON.
  if (destination === undefined && isJournalStream(env)) return journalDestination(env) ?? raw;
  return tty ? prettyDestination(raw, !env["NO_COLOR"]) : raw;
}

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: "TRACE", color: "90" }, 20: { name: "DEBUG", color: "36" }, 30: { name: "INFO ", color: "32" },
  40: { name: "WARN ", color: "33" }, 50: { name: "ERROR", color: "31" }, 60: { name: "FATAL", color: "35" },
};

/** Fields shown in the line's head, not repeated as key=value. */
const HEAD = new Set(["level", "time", "pid", "hostname", "name", "msg", "part"]);

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[\w.:/@+%-]*$/.test(value) && value !== "" ? value : JSON.stringify(value);
  if (value !== null && typeof value === "object" && "message" in value && typeof value.message === "string") return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line -> `12:03:04.567 WARN  xmpp     reconnecting attempt=3 err="..."`. */
export function formatPrettyLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const time = typeof record["time"] === "number" ? new Date(record["time"]).toISOString().slice(11, 23) : "";
  const level = LEVELS[Number(record["level"])] ?? { name: String(record["level"]).padEnd(5), color: "0" };
  const part = typeof record["part"] === "string" ? record["part"] : "";
  const message = typeof record["msg"] === "string" ? record["msg"] : "";
  const fields = Object.entries(record).filter(([key]) => !HEAD.has(key)).map(([key, value]) => `${key}=${formatValue(value)}`);
  const levelText = color ? `\u001b[${level.color}m${level.name}\u001b[0m` : level.name;
  const fieldText = fields.length === 0 ? "" : color ? ` \u001b[2m${fields.join(" ")}\u001b[0m` : ` ${fields.join(" ")}`;
  return `${time} ${levelText} ${part === "" ? "" : `${part.padEnd(8)} `}${message}${fieldText}\n`;
}

function prettyDestination(raw: DestinationStream, color: boolean): DestinationStream {
  // Writes stay synchronous (like pino.destination({ sync: true })): nothing is lost on exit.
  const fd = (raw as { fd?: number }).fd;
  return {
    write(line: string): void {
      const text = formatPrettyLine(line, color);
      if (typeof fd === "number") writeSync(fd, text);
      else raw.write(text);
    },
  };
}
