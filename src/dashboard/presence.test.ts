import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createPresenceBook } from "./presence.js";

describe("agent presence book (RFC 6121 section 4)", () => {
  it("keeps the health text, the failing devices and the full JID for commands", () => {
    const changed: string[] = [];
    const book = createPresenceBook((agent) => changed.push(agent));
    expect(book.hasStatus("agent@x")).toBe(false);
    expect(book.of("agent@x")).toEqual({ available: false, failing: [] });

    book.handle(xml("presence", { from: "Agent@x/agent" }, xml("status", {}, "2/2 devices ok")));
    expect(book.of("agent@x")).toMatchObject({ available: true, fullJid: "Agent@x/agent", status: "2/2 devices ok", failing: [] });

    book.handle(xml("presence", { from: "agent@x/agent" }, xml("show", {}, "xa"), xml("status", {}, "1/3 devices ok; failing: meter, gps")));
    expect(book.of("agent@x")).toMatchObject({ show: "xa", failing: ["meter", "gps"] });

    expect(book.handle(xml("presence", { from: "agent@x/agent", type: "subscribe" }))).toBe(true);
    expect(book.of("agent@x").available).toBe(true);
    book.handle(xml("presence", { from: "agent@x/agent", type: "unavailable" }));
    expect(book.of("agent@x").available).toBe(false);
    expect(book.hasStatus("agent@x")).toBe(true);
    expect(changed).toEqual(["agent@x", "agent@x", "agent@x"]);
    expect(book.handle(xml("message", { from: "agent@x/agent" }))).toBe(false);
  });
});
