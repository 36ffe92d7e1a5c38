import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled CLI (npm test builds first: see the "pretest" script). */
export const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

export function runCliSync(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const waiters = new Set<() => void>();
  const keep = (chunk: Buffer): void => { output += chunk.toString(); for (const w of waiters) w(); };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child, exited,
    output: () => output,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => { if (pattern.test(output)) { done(); resolve(); } };
        const timer = setTimeout(() => { done(); reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output.slice(-3000)}`)); }, timeoutMs);
        const done = (): void => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
  };
}
