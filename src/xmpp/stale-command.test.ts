import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { isStaleCommand } from "./chat.js";

const message = (stamp?: string) => xml("message", { type: "chat" }, xml("body", {}, "read greenhouse"),
  stamp === undefined ? undefined : xml("delay", { xmlns: "urn:xmpp:delay", stamp }));

describe("isStaleCommand (XEP-0203 delayed delivery)", () => {
  const now = Date.parse("2026-11-25T05:00:00Z");
  it("answers undelayed commands and ones held back across a short cut", () => {
    expect(isStaleCommand(message(), now)).toBe(false);
    expect(isStaleCommand(message("2026-11-25T04:59:30Z"), now)).toBe(false);
  });
  it("ignores offline-stored commands from long ago and unreadable stamps", () => {
    expect(isStaleCommand(message("2026-11-25T04:50:00Z"), now)).toBe(true);
    expect(isStaleCommand(message("yesterday"), now)).toBe(true);
  });
});
