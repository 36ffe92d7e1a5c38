import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.js";
import { formatJournalLine, isJournalStream, journalDestination } from "./journal-log.js";

describe("formatJournalLine", () => {
  it("puts the syslog priority first and drops what journald records itself", () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 7, name: "pi", part: "xmpp", attempt: 3, err: "connect ECONNREFUSED 127.0.0.1:5222", msg: "reconnecting" });
    expect(formatJournalLine(line)).toBe('<4>[xmpp] reconnecting attempt=3 err="connect ECONNREFUSED 127.0.0.1:5222"\n');
  });

  it("maps levels to priorities and keeps bare words unquoted", () => {
    expect(formatJournalLine('{"level":50,"msg":"boom","device":"meter"}')).toBe("<3>boom device=meter\n");
    expect(formatJournalLine('{"level":30,"msg":"agent started","devices":2}')).toBe("<6>agent started devices=2\n");
    expect(formatJournalLine('{"level":20,"msg":"x"}')).toBe("<7>x\n");
    expect(formatJournalLine('{"level":60,"msg":"x"}')).toBe("<2>x\n");
  });

  it("shows an error object's message and never breaks a line", () => {
    const line = JSON.stringify({ level: 50, msg: "failed", err: { type: "Error", message: "line1\nline2", stack: "Error: ..." } });
    expect(formatJournalLine(line)).toBe('<3>failed err="line1\\nline2"\n');
  });

  it("passes non-JSON through", () => {
    expect(formatJournalLine("plain")).toBe("plain\n");
  });
});

describe("journalDestination", () => {
  it("is used only when JOURNAL_STREAM names the fd's device:inode, and keeps redaction", () => {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-journal-"));
    const fd = openSync(join(dir, "stderr"), "w");
    try {
      const stat = fstatSync(fd);
      const env = { JOURNAL_STREAM: `${stat.dev}:${stat.ino}` };
      expect(isJournalStream(env, fd)).toBe(true);
      expect(isJournalStream({ JOURNAL_STREAM: "1:2" }, fd)).toBe(false);
      expect(isJournalStream({}, fd)).toBe(false);
      expect(journalDestination({ ...env, XMPP_IOT_LOG_FORMAT: "json" }, fd)).toBeUndefined();

      const log = createLogger({ level: "info", name: "pi" }, journalDestination(env, fd));
      log.child({ part: "xmpp" }).warn({ password: "hunter2", attempt: 2 }, "auth failed");
      expect(readFileSync(join(dir, "stderr"), "utf8")).toBe('<4>[xmpp] auth failed password="[redacted]" attempt=2\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
