import { spawn } from "node:child_process";
import type { Logger } from "../logging/log.js";

/**
 * sd_notify(3) client for `Type=notify` + `WatchdogSec=` without a native add-on.
 *
 * Why a child process: the notify socket is an AF_UNIX SOCK_DGRAM socket, and Node can only speak
 * AF_UNIX as a stream (`net`) — `dgram` is UDP only. The options without an add-on are spawning a
 * helper that sends the datagram. We spawn `systemd-notify` (package `systemd`, so it exists on
 * every host where `NOTIFY_SOCKET` is set at all, including Raspberry Pi OS Lite; python3 would be a
 * second runtime the agent does not otherwise need). Consequences, mirrored in the unit file:
 *  - the datagram comes from the helper's PID, not the main PID, so the unit needs
 *    `NotifyAccess=all` (every process in the unit's cgroup is ours anyway);
 *  - `systemd-notify` (systemd >= 246) waits on a `BARRIER=1` until the manager has read the message,
 *    so the helper cannot exit before systemd has looked up its cgroup (the old "message from an
 *    unknown PID is dropped" race);
 *  - abstract sockets (`@name`) are handled by `systemd-notify` itself (libsystemd's sd_notify).
 * A watchdog ping costs one short-lived process every WatchdogSec/2 (15 s with the shipped unit).
 */

export interface SdNotifyDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Pick<Logger, "debug" | "info" | "warn" | "error">;
  /** The helper binary; `systemd-notify` from PATH unless a test or a packager says otherwise. */
  readonly command?: string;
  /** Our PID, for `MAINPID=` and the `WATCHDOG_PID` check. */
  readonly pid?: number;
}

export interface SdNotify {
  /** True when NOTIFY_SOCKET is set; otherwise every method is a no-op. */
  readonly enabled: boolean;
  /** Watchdog interval in ms (half of WATCHDOG_USEC), or undefined when the watchdog is off. */
  readonly watchdogIntervalMs: number | undefined;
  /** Starts the watchdog pings (if systemd asked for them); abort or stop() ends them. */
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** READY=1: devices and connections are up; systemd now reports the unit as started. */
  ready(status?: string): Promise<void>;
  /** STOPPING=1: a shutdown has begun; systemd shows "deactivating" instead of a hang. */
  stopping(status?: string): Promise<void>;
  /** STATUS=: one line for `systemctl status` (e.g. "3/3 devices ok, outbox 0"). */
  status(text: string): Promise<void>;
}

/** systemd-notify gives up on its barrier after 5 s; a helper slower than this is stuck. */
const HELPER_TIMEOUT_MS = 10_000;
/** Bound on queued messages: status updates coalesce, so only a stuck helper can fill this. */
const MAX_QUEUE = 8;

interface Job {
  readonly assignments: string[];
  readonly kind: "ready" | "stopping" | "status" | "watchdog";
  readonly done: Array<() => void>;
}

export function createSdNotify(deps: SdNotifyDeps): SdNotify {
  const pid = deps.pid ?? process.pid;
  const socket = parseSocket(deps.env["NOTIFY_SOCKET"], deps.log);
  const watchdogIntervalMs = socket === undefined ? undefined : parseWatchdog(deps.env, pid);
  const command = deps.command ?? "systemd-notify";
  const queue: Job[] = [];
  let draining = false;
  let broken = false;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let abortSignal: AbortSignal | undefined;
  let lastStatus: string | undefined;

  function enqueue(kind: Job["kind"], assignments: string[]): Promise<void> {
    if (socket === undefined || broken) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // Coalesce: only the newest status text matters, and one queued ping is as good as two.
      const same = queue.findIndex((job, index) => index > 0 && job.kind === kind && (kind === "status" || kind === "watchdog"));
      const existing = same === -1 ? undefined : queue[same];
      if (existing !== undefined) {
        if (kind === "status") existing.assignments.splice(0, existing.assignments.length, ...assignments);
        existing.done.push(resolve);
        return;
      }
      if (queue.length >= MAX_QUEUE) {
        const dropIndex = queue.findIndex((job, index) => index > 0 && (job.kind === "status" || job.kind === "watchdog"));
        const dropped = dropIndex === -1 ? undefined : queue.splice(dropIndex, 1)[0];
        dropped?.done.forEach((fn) => fn());
      }
      queue.push({ kind, assignments, done: [resolve] });
      void drain();
    });
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      for (let job = queue[0]; job !== undefined; job = queue[0]) {
        await send(job);
        queue.shift();
        job.done.forEach((fn) => fn());
      }
    } finally {
      draining = false;
    }
  }

  function send(job: Job): Promise<void> {
    if (broken || socket === undefined) return Promise.resolve();
    const args = job.kind === "ready" ? [`--pid=${pid}`, ...job.assignments] : job.assignments;
    return new Promise<void>((resolve) => {
      let stderr = "";
      // Only what the helper needs: it must not inherit a huge or secret-bearing environment.
      const child = spawn(command, args, {
        env: { NOTIFY_SOCKET: socket, PATH: deps.env["PATH"] ?? "/usr/bin:/bin" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), HELPER_TIMEOUT_MS);
      killer.unref();
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        if (stderr.length < 1000) stderr += chunk;
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(killer);
        if (error.code === "ENOENT") {
          // Without the helper nothing can ever be sent: say so once, with the fix, then go quiet.
          broken = true;
          deps.log.error({ command }, "systemd-notify not found: install the systemd package, or run the agent without Type=notify");
        } else {
          deps.log.warn({ command, err: error.message }, "sd_notify helper failed to start");
        }
        resolve();
      });
      child.on("close", (code, signal) => {
        clearTimeout(killer);
        if (code !== 0) {
          deps.log.warn({ message: job.assignments.join(" "), code, signal, stderr: stderr.trim() }, "sd_notify message not delivered");
        } else {
          deps.log.debug({ message: job.assignments.join(" ") }, "sd_notify sent");
        }
        resolve();
      });
    });
  }

  function clearTimer(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (abortSignal !== undefined && onAbort !== undefined) abortSignal.removeEventListener("abort", onAbort);
    abortSignal = undefined;
    onAbort = undefined;
  }

  return {
    enabled: socket !== undefined,
    watchdogIntervalMs,
    async start(signal) {
      if (watchdogIntervalMs === undefined || timer !== undefined || signal?.aborted === true) return;
      // The timer runs on the event loop on purpose: a blocked loop stops the pings and systemd
      // kills and restarts a hung agent (WatchdogSec + Restart=on-failure).
      timer = setInterval(() => void enqueue("watchdog", ["WATCHDOG=1"]), watchdogIntervalMs);
      timer.unref();
      if (signal !== undefined) {
        abortSignal = signal;
        onAbort = clearTimer;
        signal.addEventListener("abort", onAbort, { once: true });
      }
      deps.log.info({ intervalMs: watchdogIntervalMs }, "systemd watchdog pings started");
      await enqueue("watchdog", ["WATCHDOG=1"]);
    },
    async stop() {
      clearTimer();
      // Let queued messages (typically STOPPING=1) reach systemd before the process exits.
      await new Promise<void>((resolve) => {
        if (queue.length === 0) resolve();
        else queue[queue.length - 1]?.done.push(resolve);
      });
    },
    ready(status) {
      if (status !== undefined) lastStatus = oneLine(status);
      return enqueue("ready", status === undefined ? ["READY=1"] : ["READY=1", `STATUS=${oneLine(status)}`]);
    },
    stopping(status) {
      return enqueue("stopping", status === undefined ? ["STOPPING=1"] : ["STOPPING=1", `STATUS=${oneLine(status)}`]);
    },
    status(text) {
      // Callers may refresh on a timer: an unchanged line costs a process spawn and tells nothing.
      const line = oneLine(text);
      if (line === lastStatus) return Promise.resolve();
      lastStatus = line;
      return enqueue("status", [`STATUS=${line}`]);
    },
  };
}

/** The protocol is newline-separated assignments: a newline in a status would forge a new one. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, 200);
}

function parseSocket(value: string | undefined, log: SdNotifyDeps["log"]): string | undefined {
  if (value === undefined || value === "") return undefined;
  // sd_notify(3) accepts a filesystem path or an abstract name written as "@name".
  if (value.startsWith("/") || value.startsWith("@")) return value;
  log.warn({ notifySocket: value }, "NOTIFY_SOCKET is neither a path nor @abstract; sd_notify disabled");
  return undefined;
}

/** sd_watchdog_enabled(3): WATCHDOG_USEC > 0, and WATCHDOG_PID (when set) must be us. */
function parseWatchdog(env: SdNotifyDeps["env"], pid: number): number | undefined {
  const usec = Number(env["WATCHDOG_USEC"]);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const watchdogPid = env["WATCHDOG_PID"];
  if (watchdogPid !== undefined && watchdogPid !== "" && Number(watchdogPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}
