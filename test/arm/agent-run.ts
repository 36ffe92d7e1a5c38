import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A child that prints JSON lines: the agent's pino log (stderr), the slixmpp subscriber's records
 * (stdout). Lines of both streams are collected; stderr is also kept raw for error messages.
 */
export interface LineProcess {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  stderr(): string;
  waitFor(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<string>;
}

export function spawnLines(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): LineProcess {
  const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8000); });
  const collect = (line: string): void => {
    try { lines.push(JSON.parse(line) as Record<string, unknown>); } catch { lines.push({ raw: line }); }
  };
  createInterface({ input: child.stdout! }).on("line", collect);
  createInterface({ input: child.stderr! }).on("line", collect);
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? String(code))));
  return {
    child, lines,
    stderr: () => stderr,
    async waitFor(predicate, what, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${stderr.slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr.slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`);
        await sleep(50);
      }
    },
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A socat PTY pair: the agent opens `a`; this side writes device lines to `b` (never blocking). */
export interface Pty {
  readonly a: string;
  write(line: string): void;
  close(): Promise<void>;
}

export async function startPty(): Promise<Pty> {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-arm-pty-"));
  const a = join(dir, "A");
  const b = join(dir, "B");
  const socat = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || socat.exitCode !== null) throw new Error("socat did not create the PTY pair (apt-get install socat)");
    await sleep(20);
  }
  // Non-blocking: nobody reads while the emulated agent is still starting, and a full PTY buffer
  // must drop a line rather than hang this process.
  const fd = openSync(b, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  return {
    a,
    write(line) {
      try { writeSync(fd, line); } catch { /* EAGAIN: the agent is not reading yet */ }
    },
    async close() {
      closeSync(fd);
      socat.kill("SIGTERM");
      await new Promise((resolve) => (socat.exitCode !== null ? resolve(undefined) : socat.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident and peak memory of a process (the emulator: guest heap, code and qemu's translation cache). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * RSS of an idle emulated node started with the same flags: what emulation itself costs, so the
 * agent's figure can be read against it (qemu's translation cache and the guest's Node).
 */
export async function idleNodeMemory(qemu: string, sysroot: string, node: string, flags: readonly string[]): Promise<{ rssMiB: number; peakMiB: number } | undefined> {
  const child = spawn(qemu, ["-L", sysroot, node, ...flags, "-e", "console.log('up'); setTimeout(() => {}, 120000)"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    // Measured once its script runs (start-up under emulation is slow and varies with load), plus
    // a second for the start-up garbage to settle.
    const up = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 120_000);
      child.stdout!.once("data", () => { clearTimeout(timer); resolve(true); });
      child.once("exit", () => { clearTimeout(timer); resolve(false); });
    });
    if (!up) return undefined;
    await sleep(1000);
    return child.pid !== undefined ? memoryOf(child.pid) : undefined;
  } finally {
    child.kill("SIGKILL");
  }
}

/** One-shot command under the emulator, for probes (process.arch, the serialport prebuild path). */
export function emulate(qemu: string, sysroot: string, node: string, script: string): { status: number | null; out: string } {
  const result = spawnSync(qemu, ["-L", sysroot, node, "-e", script], { encoding: "utf8", timeout: 300_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}
