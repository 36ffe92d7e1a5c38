import { execFile, spawn } from "node:child_process";
import { createLineFramer } from "../serial-port/line-framer.js";

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Spawn failure (ENOENT: the tool is not installed). */
  readonly spawnError?: string;
}

/** A short-lived tool (gpioget, gpiofind, --version); never rejects, always times out. */
export function runOnce(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      const spawnError = error && typeof error.code === "string" ? `${command}: ${error.code === "ENOENT" ? "not found on PATH" : error.message}` : undefined;
      resolve({ code, stdout, stderr, ...(spawnError !== undefined ? { spawnError } : {}) });
    });
  });
}

export interface ToolProcess {
  /** Resolves when the process is gone, however it ended. */
  readonly exited: Promise<{ readonly code: number | null; readonly spawnError?: string }>;
  running(): boolean;
  /** The last few kB of stderr, for the error message. */
  stderr(): string;
  /** SIGTERM (gpioset releases the line, gpiomon exits), SIGKILL after a grace period. */
  kill(): Promise<void>;
}

const STDERR_KEEP = 4096;

/** A long-running tool (gpiomon, gpioset) whose stdout lines are handed over one by one, bounded. */
export function spawnTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void = () => {}): ToolProcess {
  const child = spawn(command, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let done = false;
  const framer = createLineFramer({ maxLineLength: 1024, onLine, onOverflow: () => {} });
  child.stdout.on("data", (chunk: Buffer) => framer.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });
  const exited = new Promise<{ code: number | null; spawnError?: string }>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      done = true;
      resolve({ code: null, spawnError: `${command}: ${error.code === "ENOENT" ? "not found on PATH" : error.message}` });
    });
    child.once("close", (code) => {
      done = true;
      resolve({ code });
    });
  });
  return {
    exited,
    running: () => !done,
    stderr: () => stderr,
    async kill() {
      if (done) return;
      child.kill("SIGTERM");
      const grace = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(grace);
    },
  };
}
