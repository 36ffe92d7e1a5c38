import { describe, expect, it } from "vitest";
import { parseChatCommand } from "./chat-commands.js";

describe("chat command syntax", () => {
  it("parses the five commands", () => {
    expect(parseChatCommand(" Help ")).toEqual({ ok: true, name: "help", input: {} });
    expect(parseChatCommand("LIST")).toEqual({ ok: true, name: "list", input: {} });
    expect(parseChatCommand("status")).toEqual({ ok: true, name: "status", input: {} });
    expect(parseChatCommand("read greenhouse")).toEqual({ ok: true, name: "read", input: { device: "greenhouse" } });
    expect(parseChatCommand("read greenhouse/temperature")).toEqual({ ok: true, name: "read", input: { device: "greenhouse", channel: "temperature" } });
    expect(parseChatCommand("set greenhouse/lamp on")).toEqual({ ok: true, name: "set", input: { device: "greenhouse", channel: "lamp", value: "on" } });
    expect(parseChatCommand("set display/text hello world")).toEqual({ ok: true, name: "set", input: { device: "display", channel: "text", value: "hello world" } });
  });

  it("forgives: a space for the slash, a channel alone, history with or without a period", () => {
    expect(parseChatCommand("set greenhouse lamp on")).toEqual({ ok: true, name: "set", input: { device: "greenhouse", channel: "lamp", value: "on" } });
    expect(parseChatCommand("set lamp on")).toEqual({ ok: true, name: "set", input: { channel: "lamp", value: "on" } });
    expect(parseChatCommand("set display text hello  world")).toEqual({ ok: true, name: "set", input: { device: "display", channel: "text", value: "hello  world" } });
    expect(parseChatCommand("read greenhouse lamp")).toEqual({ ok: true, name: "read", input: { device: "greenhouse", channel: "lamp" } });
    expect(parseChatCommand("history greenhouse/temperature")).toEqual({ ok: true, name: "history", input: { device: "greenhouse", channel: "temperature" } });
    expect(parseChatCommand("history greenhouse temperature 24h")).toEqual({ ok: true, name: "history", input: { device: "greenhouse", channel: "temperature", period: "24h" } });
    expect(parseChatCommand("History temperature 7d")).toEqual({ ok: true, name: "history", input: { channel: "temperature", period: "7d" } });
  });

  it("answers bad input with a one-line hint", () => {
    expect(parseChatCommand("set greenhouse")).toEqual({ ok: false, hint: "Usage: set <device>/<channel> <value>, e.g. set greenhouse/lamp on" });
    expect(parseChatCommand("set /lamp on")).toEqual({ ok: false, hint: "Usage: set <device>/<channel> <value>, e.g. set greenhouse/lamp on" });
    expect(parseChatCommand("read")).toMatchObject({ ok: false, hint: expect.stringMatching(/^Usage: read/) });
    expect(parseChatCommand("list everything")).toMatchObject({ ok: false, hint: expect.stringMatching(/^list takes no argument/) });
    expect(parseChatCommand("hello")).toMatchObject({ ok: false, hint: expect.stringMatching(/^Unknown command "hello"\. Try: help/), unknown: "hello" });
    expect(parseChatCommand("   ")).toMatchObject({ ok: false });
  });
});
