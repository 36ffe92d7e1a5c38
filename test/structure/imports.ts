import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/** The production modules' import graph, read from their sources (tests and declarations left out). */
export interface ImportGraph {
  /** Module path (relative to the checkout) -> modules it imports by relative path. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) files.push(path);
    }
  };
  folders.forEach(walk);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const match of readFileSync(join(root, file), "utf8").matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      targets.push(normalize(join(dirname(file), specifier)).replace(/\.js$/, ".ts"));
    }
    edges.set(file, targets);
  }
  return { edges };
}

/** The folder a module belongs to: its directory, e.g. src/xmpp/adhoc or devices/serial. */
export const folderOf = (file: string): string => dirname(file);

/** Pairs of folders that import each other, each as "a <-> b" with one import of each direction. */
export function mutualFolderPairs(graph: ImportGraph): string[] {
  const between = new Map<string, string>();
  for (const [from, targets] of graph.edges) {
    for (const to of targets) {
      const a = folderOf(from), b = folderOf(to);
      if (a !== b && !between.has(`${a}|${b}`)) between.set(`${a}|${b}`, `${from} -> ${to}`);
    }
  }
  const pairs: string[] = [];
  for (const [key, example] of between) {
    const [a, b] = key.split("|") as [string, string];
    const back = between.get(`${b}|${a}`);
    if (a < b && back) pairs.push(`${a} <-> ${b} (${example}; ${back})`);
  }
  return pairs;
}

/** Import cycles between modules (strongly connected components of more than one module, Tarjan). */
export function moduleCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter); low.set(node, counter); counter++;
    stack.push(node); onStack.add(node);
    for (const next of graph.edges.get(node) ?? []) {
      if (!graph.edges.has(next)) continue;
      if (!index.has(next)) { visit(next); low.set(node, Math.min(low.get(node)!, low.get(next)!)); }
      else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (let member = stack.pop()!; ; member = stack.pop()!) { onStack.delete(member); component.push(member); if (member === node) break; }
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

