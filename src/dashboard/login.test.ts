import { describe, expect, it } from "vitest";
import { checkWebSocketUrl, guessWebSocketUrl, parseJid } from "./login.js";

describe("login helpers", () => {
  it("parses JIDs and refuses incomplete ones", () => {
    expect(parseJid(" alice@Example.org/phone ")).toEqual({ local: "alice", domain: "example.org", resource: "phone" });
    expect(parseJid("alice")).toBeUndefined();
    expect(parseJid("@example.org")).toBeUndefined();
    expect(parseJid("alice@")).toBeUndefined();
  });

  it("guesses the WebSocket URL from the domain unless one is remembered", () => {
    expect(guessWebSocketUrl("alice@example.org")).toBe("wss://example.org/xmpp-websocket");
    expect(guessWebSocketUrl("alice@example.org", { "example.org": "wss://xmpp.example.org:5281/xmpp-websocket" })).toBe("wss://xmpp.example.org:5281/xmpp-websocket");
    expect(guessWebSocketUrl("nope")).toBe("");
  });

  it("accepts only ws:// and wss:// URLs", () => {
    expect(checkWebSocketUrl("ws://127.0.0.1:5280/xmpp-websocket")).toEqual({ ok: true, url: "ws://127.0.0.1:5280/xmpp-websocket" });
    expect(checkWebSocketUrl("https://x/")).toMatchObject({ ok: false });
    expect(checkWebSocketUrl("not a url")).toMatchObject({ ok: false });
  });
});
