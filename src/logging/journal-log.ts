import { fstatSync, writeSync } from "node:fs";
import type { DestinationStream } from "pino";

/**
 * Log lines for `journalctl -u xmpp-iot`: pino's JSON is right for files and log shippers, but in
 * the journal it repeats the timestamp, hides the severity (every line is "info") and is hard to
 * read on a Pi over SSH. Under systemd we write `<prio>[part] message key=value ...` instead:
 * journald strips the `<N>` prefix into the PRIORITY field (SyslogLevelPrefix=, on by default), so
 * `journalctl -p warning` works, and it adds its own timestamp. Redaction has already happened:
 * pino applies it while serializing, before a line reaches this destination.
 */

/** pino level -> syslog priority (RFC 5424: 2 crit, 3 err, 4 warning, 6 info, 7 debug). */
function priorityOf(level: unknown): number {
  if (typeof level !== "number") return 6;
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

/** Fields journald already records (time, pid, identifier) or that form the line's head. */
const SKIP = new Set(["level", "time", "pid", "hostname", "name", "msg", "part"]);

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[\w.:/@+%-]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === "object" && "message" in value && typeof value.message === "string") {
    // A serialized Error ({type, message, stack}): the message is what a reader needs first.
    return JSON.stringify(value.message);
  }
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line -> one journal line (with trailing newline). Non-JSON passes through. */
export function formatJournalLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const head = typeof record["part"] === "string" ? `[${record["part"]}] ` : "";
  const message = typeof record["msg"] === "string" ? record["msg"] : "";
  const fields = Object.entries(record)
    .filter(([key]) => !SKIP.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return `<${priorityOf(record["level"])}>${head}${message}${fields.length > 0 ? ` ${fields.join(" ")}` : ""}\n`;
}

/**
 * True when `fd` is still the stream systemd connected to the journal: systemd sets
 * JOURNAL_STREAM=<dev>:<inode> (systemd.exec(5)); a shell redirect or pipe no longer matches.
 */
export function isJournalStream(env: Readonly<Record<string, string | undefined>>, fd = 2): boolean {
  const expected = env["JOURNAL_STREAM"];
  if (!expected) return false;
  try {
    const stat = fstatSync(fd);
    return expected === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

/**
 * A pino destination writing journal lines to `fd`, or undefined (keep JSON) when not under the
 * journal or when XMPP_IOT_LOG_FORMAT=json asks for JSON anyway (e.g. to ship logs as JSON).
 * Writes are synchronous, like the default destination, so nothing is lost on exit.
 */
export function journalDestination(env: Readonly<Record<string, string | undefined>>, fd = 2): DestinationStream | undefined {
  if (env["XMPP_IOT_LOG_FORMAT"] === "json" || !isJournalStream(env, fd)) return undefined;
  return {
    write(line: string): void {
      writeSync(fd, formatJournalLine(line));
    },
  };
}
