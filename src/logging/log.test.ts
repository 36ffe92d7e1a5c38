import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, formatPrettyLine } from "./log.js";

function capture(): { sink: Writable; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(...chunk.toString().split("\n").filter(Boolean)); done(); } });
  return { sink, lines };
}

describe("log formats", () => {
  it("pretty: time, level, part, message, key=value; secrets still redacted", () => {
    const { sink, lines } = capture();
    const log = createLogger({ level: "info", format: "pretty" }, { destination: sink, isTTY: false, env: {} });
    log.child({ part: "xmpp" }).warn({ attempt: 3, err: new Error("connect ECONNREFUSED 127.0.0.1:5222"), password: "hunter2", config: { xmpp: { password: "hunter2" } } }, "reconnecting");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  xmpp     reconnecting attempt=3 err="connect ECONNREFUSED 127\.0\.0\.1:5222" password="\[redacted\]" config=\{"xmpp":\{"password":"\[redacted\]"\}\}$/);
    expect(lines.join("\n")).not.toContain("hunter2");
  });

  it("auto: JSON into a pipe or file, pretty into a terminal (no colour with NO_COLOR)", () => {
    const pipe = capture();
    createLogger({ level: "info" }, { destination: pipe.sink, isTTY: false, env: {} }).info({ n: 1 }, "hello");
    expect(JSON.parse(pipe.lines[0]!)).toMatchObject({ level: 30, msg: "hello", n: 1 });
    const tty = capture();
    createLogger({ level: "info" }, { destination: tty.sink, isTTY: true, env: { NO_COLOR: "1" } }).info({ n: 1 }, "hello");
    expect(tty.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  hello n=1$/);
    const forced = capture();
    createLogger({ level: "info", format: "json" }, { destination: forced.sink, isTTY: true, env: {} }).info("hello");
    expect(JSON.parse(forced.lines[0]!)).toMatchObject({ msg: "hello" });
  });

  it("passes a line that is not JSON through", () => {
    expect(formatPrettyLine("plain text")).toBe("plain text\n");
  });
});
