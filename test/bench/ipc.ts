import { fork, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";

/** A request from the bench to a worker process, answered by one reply with the same id. */
export interface WorkerRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}
export type WorkerReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

export interface WorkerHandle {
  readonly pid: number;
  call<T>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the worker to stop, then kills it if it has not exited within a few seconds. */
  close(): Promise<void>;
  /** The worker's stderr (logs) so far, for a failure message. */
  logTail(): string;
}

/**
 * Forks a compiled worker module with an IPC channel; its stderr goes to `logFile` so a chatty
 * agent cannot block on a full pipe and the bench can quote the tail when something fails.
 */
export function startWorker(modulePath: string, logFile: string, execArgv: readonly string[] = []): WorkerHandle {
  const fd = openSync(logFile, "a");
  const child: ChildProcess = fork(modulePath, [], { stdio: ["ignore", fd, fd, "ipc"], execArgv: [...execArgv] });
  closeSync(fd);
  let next = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (message: WorkerReply) => {
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message.result);
    else entry.reject(new Error(message.error));
  });
  child.once("exit", (code, signal) => {
    for (const entry of waiting.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`worker ${modulePath} exited (${code ?? signal}) during a request; log tail:\n${tail(logFile)}`));
    }
    waiting.clear();
  });
  return {
    pid: child.pid ?? -1,
    call<T>(cmd: string, args?: unknown, timeoutMs = 60_000): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`worker ${cmd} timed out after ${timeoutMs} ms; log tail:\n${tail(logFile)}`));
        }, timeoutMs);
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ id, cmd, args } satisfies WorkerRequest);
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { await this.call("stop", undefined, 10_000); } catch { /* killed below */ }
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
    logTail: () => tail(logFile),
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * The worker side: dispatches requests to handlers; `stop` runs the handler, replies, and exits.
 * An error becomes a reply, never a crash of the worker.
 */
export function serveWorker(handlers: Record<string, (args: any) => Promise<unknown> | unknown>): void {
  process.on("message", (message: WorkerRequest) => {
    const handler = handlers[message.cmd];
    const reply = (r: WorkerReply): void => { process.send?.(r); };
    if (!handler) { reply({ id: message.id, ok: false, error: `unknown command ${message.cmd}` }); return; }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => reply({ id: message.id, ok: true, result: result ?? null }),
        (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
      )
      .finally(() => {
        if (message.cmd === "stop") setTimeout(() => process.exit(0), 50);
      });
  });
  // The parent went away (bench aborted): do not linger.
  process.on("disconnect", () => process.exit(0));
}

/** Memory and CPU of this process, for the footprint rows; `gc` first runs a full GC when exposed (--expose-gc). */
export async function processFootprint(args?: { gc?: boolean }): Promise<{ rssBytes: number; heapUsedBytes: number; cpuUserUs: number; cpuSystemUs: number; atMs: number }> {
  if (args?.gc) {
    (globalThis as { gc?: () => void }).gc?.();
    // V8 hands the freed pages back to the OS from a background task after the GC, not in it.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, atMs: performance.now() };
}
