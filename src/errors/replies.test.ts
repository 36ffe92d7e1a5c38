import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { adhocReplyOf, chatReplyOf, cliReportOf, mqttErrorOf, stanzaErrorOf } from "./replies.js";
import { ERROR_CATALOG, IotError, STANZA_CONDITIONS, type ErrorCode } from "./catalog.js";

const CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** RFC 6120 section 8.3.3: the error type each condition's definition gives. */
const RECOMMENDED_TYPE: Readonly<Record<string, readonly string[]>> = {
  "bad-request": ["modify"], forbidden: ["auth"], "internal-server-error": ["cancel"], "item-not-found": ["cancel"],
  "not-allowed": ["cancel"], "not-authorized": ["auth"], "policy-violation": ["modify", "cancel"],
  "remote-server-not-found": ["cancel"], "resource-constraint": ["wait"], "service-unavailable": ["cancel"],
};
/** sysexits.h: EX_USAGE 64 to EX_CONFIG 78; 1 for a failure none of them names. */
const EXIT_CODES = new Set([1, ...Array.from({ length: 15 }, (_, i) => 64 + i)]);

/** Production sources under src/ and devices/ (tests left out). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the error catalog and its one mapping per front end", () => {
  it.each(CODES)("%s has a stanza error, an ad-hoc reply, a chat reply, an MQTT response and an exit code", (code) => {
    const error = new IotError(code, "greenhouse/lamp: what went wrong");

    const stanza = stanzaErrorOf(error);
    expect(STANZA_CONDITIONS).toContain(stanza.condition);
    expect(RECOMMENDED_TYPE[stanza.condition], `${code}: ${stanza.condition} needs its RFC 6120 type in the test table`).toContain(stanza.type);
    expect(stanza.text).toBe(error.message);

    for (const hasForm of [true, false]) {
      const adhoc = adhocReplyOf(error, hasForm);
      if (adhoc.kind === "stanza-error") expect(adhoc).toMatchObject({ condition: stanza.condition, type: stanza.type, text: error.message });
      else if (adhoc.kind === "ask-again") expect(hasForm && adhoc.note === error.message).toBe(true);
      else expect(adhoc.note).toBe(`${ERROR_CATALOG[code].text}: ${error.message}`);
    }

    expect(chatReplyOf(error)).toContain(error.message);
    expect(chatReplyOf(error).startsWith("Error: ") || code === "RATE_LIMITED").toBe(true);

    expect(mqttErrorOf(7, error)).toEqual({ id: 7, status: "error", error: error.message, code: ERROR_CATALOG[code].mqtt });
    expect(ERROR_CATALOG[code].mqtt).toMatch(/^[A-Z_]+$/);

    const cli = cliReportOf(error);
    expect(EXIT_CODES.has(cli.exit), `${code}: exit ${cli.exit}`).toBe(true);
    expect(cli.exit).toBe(error.exitCode);
    expect(cli.lines[0]).toBe(`xmpp-iot: ${error.message}`);
  });

  it("gives every code its own MQTT code, so a requester can tell them apart", () => {
    expect(new Set(CODES.map((c) => ERROR_CATALOG[c].mqtt)).size).toBe(CODES.length);
  });

  it("keeps the wording the front ends have always shown", () => {
    expect(chatReplyOf(new IotError("UNKNOWN_DEVICE", 'no device "greenhose"; did you mean greenhouse?'))).toBe('Error: no device "greenhose"; did you mean greenhouse?');
    expect(chatReplyOf(new IotError("RATE_LIMITED", "too many messages; wait a little."))).toBe("too many messages; wait a little.");
    expect(adhocReplyOf(new IotError("FORBIDDEN", "set is for admins only"), true)).toEqual({ kind: "stanza-error", condition: "forbidden", type: "auth", text: "set is for admins only" });
    expect(adhocReplyOf(new IotError("RATE_LIMITED", "too many open command sessions; try again later"), false)).toMatchObject({ condition: "resource-constraint", type: "wait" });
    expect(adhocReplyOf(new IotError("NOT_WRITABLE", "greenhouse/humidity is not writable"), true)).toEqual({ kind: "ask-again", note: "greenhouse/humidity is not writable" });
    expect(adhocReplyOf(new IotError("DEVICE_FAILING", "plug: MQTT broker not connected"), true)).toEqual({ kind: "completed", note: "device is failing: plug: MQTT broker not connected" });
    expect(cliReportOf(new IotError("CONFIG_INVALID", "invalid configuration (2 problems)", { details: ["a: x", "b: y"] })))
      .toEqual({ lines: ["xmpp-iot: invalid configuration (2 problems)", "  a: x", "  b: y"], exit: 78 });
    expect(cliReportOf(new Error("boom"))).toEqual({ lines: ["xmpp-iot: boom"], exit: 1 });
  });

  it("bounds a reply that quotes a long input", () => {
    const long = new IotError("BAD_INPUT", `value must be a number, got "${"w".repeat(5000)}"`);
    expect(chatReplyOf(long).length).toBeLessThanOrEqual(400 + "Error: ".length);
    expect(stanzaErrorOf(long).text.length).toBeLessThanOrEqual(400);
  });

  it("lists only codes that some production code raises", () => {
    const code = sources(join(ROOT, "src")).concat(sources(join(ROOT, "devices"))).filter((f) => !/src\/errors\/(catalog|replies)\.ts$/.test(f)).map((f) => readFileSync(f, "utf8")).join("\n");
    const unused = CODES.filter((c) => !code.includes(`new IotError("${c}"`));
    expect(unused).toEqual([]);
  });
});
