import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { terminalQr } from "../../src/cli/qr.js";
import { rosterUri } from "../../src/cli/roster-uri.js";

/** Reads the half-block drawing back into modules (light drawn as blocks) and writes a PBM image. */
function toPbm(drawing: string, scale = 8): string {
  const cell: Record<string, [number, number]> = { " ": [1, 1], "▄": [1, 0], "█": [0, 0], "▀": [0, 1] };
  const rows = drawing.split("\n").filter((l) => l !== "").flatMap((l) => {
    const pairs = [...l].map((c) => cell[c]!);
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
  });
  const lines = rows.flatMap((r) => Array<string>(scale).fill(r.flatMap((v) => Array<number>(scale).fill(v)).join(" ")));
  return `P1\n${rows[0]!.length * scale} ${rows.length * scale}\n${lines.join("\n")}\n`;
}

describe("the demo's QR code", () => {
  it("decodes (zbarimg) to the xmpp: URI that adds the agent as a contact", () => {
    const uri = rosterUri("agent@localhost", "greenhouse pi");
    expect(uri).toBe("xmpp:agent@localhost?roster;name=greenhouse%20pi");
    const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-qr-test-"));
    try {
      writeFileSync(join(dir, "qr.pbm"), toPbm(terminalQr(uri)));
      const result = spawnSync("zbarimg", ["-q", "--raw", join(dir, "qr.pbm")], { encoding: "utf8" });
      expect(result.stdout.trim()).toBe(uri);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
