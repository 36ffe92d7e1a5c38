import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort, startProsody, type ProsodyServer } from "../../src/prosody/server.js";

/** Accounts on the bench's private Prosody: the agent, the raw-library publisher, the subscriber. */
export const BENCH_ACCOUNTS = { agent: "bench-agent-pw", raw: "bench-raw-pw", sub: "bench-sub-pw" } as const;

/** `nagle: false` = TCP_NODELAY on the server's sockets too; Prosody 0.12's default leaves Nagle on. */
export async function startBenchProsody(nagle: boolean, luaGc?: "generational"): Promise<ProsodyServer> {
  // Both publishers may create nodes on the component (Prosody: only its admins may).
  const prosody = await startProsody({ pubsubAdmins: ["agent@localhost", "raw@localhost"], logLevel: "warn", nagle, ...(luaGc ? { luaGc } : {}) });
  for (const [user, password] of Object.entries(BENCH_ACCOUNTS)) prosody.register(user, password);
  return prosody;
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A private Mosquitto on 127.0.0.1 and a random port, config and log in a temp dir. */
export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-bench-mosquitto-"));
  const port = await freeLoopbackPort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n# the bench subscriber must not be the one dropping: mosquitto drops beyond 1000 queued by default\nmax_queued_messages 1000000\nmax_inflight_messages 100\nlog_dest file ${join(dir, "mosquitto.log")}\n`);
  const child = spawn("/usr/sbin/mosquitto", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => { output = (output + chunk.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${output}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => { socket.destroy(); resolve(true); });
      socket.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) { child.kill("SIGKILL"); throw new Error(`mosquitto did not listen on ${port}: ${output}`); }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pid of the process whose command line mentions `needle` (our Prosody's config path). */
export function findPid(needle: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) return Number(entry);
    } catch { /* gone meanwhile */ }
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}
