import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { IotError, messageOf } from "../errors/catalog.js";

/**
 * Two agents appending to one outbox would interleave records and each send the other's readings,
 * so the directory is locked while an agent uses it.
 *
 * The lock is flock(2) on an open file: the kernel drops it when the process dies (SIGKILL, OOM,
 * power loss), so nothing stale can survive a crash or a reboot. Node has no flock binding and a
 * native add-on would have to be compiled on the Pi, so util-linux's `flock -n 3` (essential on
 * Debian and Raspberry Pi OS) locks our descriptor, passed as its fd 3: a flock belongs to the
 * open file description, which stays open in this process after the helper exits.
 *
 * The file also records `pid boot_id start_time` for the error message and, where no `flock`
 * binary exists, as the proof of ownership: a pid alone can belong to another process after a
 * reboot (pid 1 always exists), the boot id and the start time (/proc/PID/stat field 22) cannot.
 */
export interface DirLock {
  readonly file: string;
  release(): void;
}

interface Owner {
  readonly pid: number;
  readonly bootId?: string;
  readonly startTime?: string;
}

export function takeDirLock(dir: string, log: Logger): DirLock {
  const file = join(dir, "lock");
  const previous = readOwner(file);
  let fd: number;
  try {
    fd = openSync(file, "a+", 0o600);
  } catch (error) {
    throw new IotError("CONFIG_INVALID", `outbox.path: cannot open ${file} (${messageOf(error)})`, { details: [`outbox.path: cannot open ${file} (${messageOf(error)})`] });
  }
  const locked = flockNonBlocking(fd);
  // A second open in this very process (a test replaying a crash) is not another agent; the same
  // pid after a reboot is, as its start time differs.
  const ours = previous?.pid === process.pid && (previous.startTime === undefined || previous.startTime === startTimeOf(process.pid));
  const held = !ours && (locked === "unavailable" ? previous !== undefined && provenAlive(previous) : !locked);
  if (held) {
    closeSync(fd);
    // Read again: an agent that started at the same moment may have just written itself in.
    const holder = readOwner(file) ?? previous;
    const who = holder ? `process ${holder.pid}` : "another process";
    throw new IotError("CONFIG_INVALID", `outbox.path: ${dir} is in use by ${who} (another agent with the same outbox.path)`,
      { details: [`outbox.path: ${dir} is in use by ${who}; give each agent its own outbox.path`] });
  }
  if (previous && !ours) {
    log.warn({ dir, previousPid: previous.pid, sameBoot: previous.bootId === undefined ? "unknown" : previous.bootId === bootId() },
      "outbox: lock left by an agent that is no longer running (killed, crashed or the machine rebooted): taken over");
  }
  const me = ownerOf(process.pid);
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${me.pid} ${me.bootId ?? "-"} ${me.startTime ?? "-"}\n`);
  } catch (error) {
    // A full disk: the flock holds all the same; only the message for a second agent is poorer.
    log.warn({ dir, err: messageOf(error) }, "outbox: cannot write the owner into the lock file");
  }
  return {
    file,
    release() {
      // The file stays: unlinking a flock'ed file lets a third process lock a fresh inode while a
      // second one still waits on the old one. Closing the descriptor drops the lock.
      try { ftruncateSync(fd, 0); } catch { /* read-only now: the content is only informative */ }
      try { closeSync(fd); } catch { /* already closed */ }
    },
  };
}

/** true = locked by us, false = another open file holds it, "unavailable" = no flock(1) here. */
function flockNonBlocking(fd: number): boolean | "unavailable" {
  const run = spawnSync("flock", ["--nonblock", "--exclusive", "3"], { stdio: ["ignore", "ignore", "pipe", fd], timeout: 10_000 });
  if (run.error) return "unavailable";
  if (run.status === 0) return true;
  if (run.status === 1) return false;
  return "unavailable";
}

function readOwner(file: string): Owner | undefined {
  let text: string;
  try { text = readFileSync(file, "utf8"); } catch { return undefined; }
  const [pid, boot, start] = text.trim().split(/\s+/);
  const n = Number.parseInt(pid ?? "", 10);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  return { pid: n, ...(boot && boot !== "-" ? { bootId: boot } : {}), ...(start && start !== "-" ? { startTime: start } : {}) };
}

function bootId(): string | undefined {
  try { return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(); } catch { return undefined; }
}

/** Field 22 of /proc/PID/stat: clock ticks after boot when the process started (proc(5)). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) is in parentheses and may hold spaces: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function ownerOf(pid: number): Owner {
  const boot = bootId();
  const start = startTimeOf(pid);
  return { pid, ...(boot ? { bootId: boot } : {}), ...(start ? { startTime: start } : {}) };
}

/** Without flock(1): the recorded owner still runs only if pid, boot and start time all match. */
function provenAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code !== "EPERM") return false;
  }
  if (owner.bootId === undefined || owner.startTime === undefined) return false;
  const now = ownerOf(owner.pid);
  return now.bootId === owner.bootId && now.startTime === owner.startTime;
}
