import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { moduleCycles, mutualFolderPairs, readImportGraph } from "./imports.js";

// The layers drawn in docs/architecture.md hold only while no two folders import each other and no
// module imports itself through others: a new import that breaks that fails here, naming the files.
const root = fileURLToPath(new URL("../..", import.meta.url));
const graph = readImportGraph(root, ["src", "devices", "web"]);

describe("the import structure", () => {
  it("reads a graph of the whole tree", () => {
    expect(graph.edges.size).toBeGreaterThan(100);
    expect(graph.edges.get("src/agent/agent.ts")?.length ?? 0).toBeGreaterThan(10);
  });

  it("has no two folders that import each other", () => {
    expect(mutualFolderPairs(graph)).toEqual([]);
  });

  it("has no import cycle between modules", () => {
    expect(moduleCycles(graph)).toEqual([]);
  });

  it("keeps src/ root for the entry point only", () => {
    expect([...graph.edges.keys()].filter((file) => /^src\/[^/]+\.ts$/.test(file))).toEqual(["src/cli.ts"]);
  });

  it("keeps the MQTT path free of the XMPP library", () => {
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file) || !graph.edges.has(file)) return;
      reached.add(file);
      graph.edges.get(file)!.forEach(visit);
    };
    visit("src/mqtt/bridge.ts");
    expect(reached.size).toBeGreaterThan(10);
    const xmpp = [...reached].filter((file) => file.startsWith("src/xmpp/") || /from\s*["']@xmpp\//.test(readFileSync(join(root, file), "utf8")));
    expect(xmpp).toEqual([]);
  });
});
