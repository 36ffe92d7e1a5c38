import { describe, expect, it } from "vitest";
import { compileChatSyntax, tryHint } from "./chat-syntax.js";

const parse = (usage: string, rest: string, chat?: Parameters<typeof compileChatSyntax>[0]["chat"]) =>
  compileChatSyntax({ name: usage.split(" ")[0]!, usage, ...(chat ? { chat } : {}) }).parse(rest);

describe("chat syntax read from a command's usage", () => {
  it("a target with the channel required: slash, space, or the channel alone", () => {
    expect(parse("dim <device>/<channel>", "hall/lamp")).toEqual({ ok: true, input: { device: "hall", channel: "lamp" } });
    expect(parse("dim <device>/<channel>", "hall lamp")).toEqual({ ok: true, input: { device: "hall", channel: "lamp" } });
    expect(parse("dim <device>/<channel>", "lamp")).toEqual({ ok: true, input: { channel: "lamp" } });
    expect(parse("dim <device>/<channel>", "")).toEqual({ ok: false, usage: true });
  });

  it("a target with the channel optional: one word is the device", () => {
    expect(parse("ping <device>[/<channel>]", "hall")).toEqual({ ok: true, input: { device: "hall" } });
    expect(parse("ping <device>[/<channel>]", "hall lamp")).toEqual({ ok: true, input: { device: "hall", channel: "lamp" } });
    expect(parse("ping <device>[/<channel>]", "a b c")).toEqual({ ok: false, usage: true });
  });

  it("fields: one word each, the last takes the rest of the line as typed", () => {
    expect(parse("rename <device> <name>", "hall big  hall")).toEqual({ ok: true, input: { device: "hall", name: "big  hall" } });
    expect(parse("rename <device> <name>", "hall")).toEqual({ ok: false, usage: true });
    expect(parse("say <device>/<channel> <text>", "hall lamp good night")).toEqual({ ok: true, input: { device: "hall", channel: "lamp", text: "good night" } });
    expect(parse("say <device>/<channel> <text>", "lamp hi")).toEqual({ ok: true, input: { channel: "lamp", text: "hi" } });
  });

  it("optional last words: named in the usage, or a [a|b] word described in chat.args", () => {
    expect(parse("beep [<count>]", "")).toEqual({ ok: true, input: {} });
    expect(parse("beep [<count>]", "3")).toEqual({ ok: true, input: { count: "3" } });
    const args = { "[fast|slow]": { field: "speed", pattern: /^(fast|slow)$/i } };
    expect(parse("fan <device>/<channel> [fast|slow]", "hall fan Fast", { args })).toEqual({ ok: true, input: { device: "hall", channel: "fan", speed: "Fast" } });
    expect(parse("fan <device>/<channel> [fast|slow]", "fan loud", { args })).toEqual({ ok: true, input: { device: "fan", channel: "loud" } });
  });

  it("refuses, at registration, a usage it cannot read", () => {
    expect(() => compileChatSyntax({ name: "fan", usage: "fan <device>/<channel> [fast|slow]" })).toThrow(/chat\.args/);
    expect(() => compileChatSyntax({ name: "fan", usage: "blow <device>" })).toThrow(/start with its name/);
    expect(() => compileChatSyntax({ name: "fan", usage: "fan [<speed>] <device>" })).toThrow(/optional words come last/);
    expect(() => compileChatSyntax({ name: "fan", usage: "fan <a> <device>/<channel>" })).toThrow(/first/);
  });

  it("the Try: line puts help first, then commands without arguments, and drops optional words", () => {
    const commands = ["list", "read <device>[/<channel>]", "history <device>/<channel> [1h|24h|7d]", "status", "help"].map((usage) => {
      const name = usage.split(" ")[0]!;
      return { name, syntax: compileChatSyntax({ name, usage, chat: { args: { "[1h|24h|7d]": { field: "period", pattern: /^\d+[mhd]$/ } } } }) };
    });
    expect(tryHint(commands)).toBe("Try: help, list, status, read <device>[/<channel>], history <device>/<channel>");
  });
});
