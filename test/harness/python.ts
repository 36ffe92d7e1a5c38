import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Debian's interpreter: python3-slixmpp is installed for it, not for a python3 first on PATH. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

export function harnessScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

export interface PythonRun {
  readonly child: ChildProcess;
  /** Every JSON line printed on stdout, in order. */
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves with the first line that matches. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code; stderr is kept for assertion messages. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

/** Runs a harness script whose stdout is JSON lines; secrets travel in the environment, not argv. */
export function runPython(script: string, args: readonly string[], env: Record<string, string> = {}): PythonRun {
  const child = spawn(DEBIAN_PYTHON, [harnessScript(script), ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8000); });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try { lines.push(JSON.parse(line) as Record<string, unknown>); } catch { lines.push({ raw: line }); }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once("exit", (code) => {
    for (const wake of waiters) wake();
    resolve({ code, stderr });
  }));
  return {
    child, lines, exited,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(predicate);
          if (found) { cleanup(); resolve(found); return; }
          if (child.exitCode !== null) { cleanup(); reject(new Error(`python exited ${child.exitCode} before the expected line; stderr: ${stderr}; lines: ${JSON.stringify(lines).slice(0, 2000)}`)); }
        };
        const timer = setTimeout(() => { cleanup(); reject(new Error(`timeout after ${timeoutMs} ms; stderr: ${stderr}; lines: ${JSON.stringify(lines).slice(0, 2000)}`)); }, timeoutMs);
        const cleanup = (): void => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    kill() { if (child.exitCode === null) child.kill("SIGTERM"); },
  };
}
