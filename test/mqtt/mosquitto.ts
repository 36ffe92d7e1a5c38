import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { freeLoopbackPort } from "../../src/prosody/server.js";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = "/usr/sbin/mosquitto";

export interface MosquittoOptions {
  /** username -> password; anonymous access is then refused. */
  readonly users?: Readonly<Record<string, string>>;
  /** PEM files for a TLS listener (the URL becomes mqtts://). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Reuse a port (restart tests). */
  readonly port?: number;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  log(): string;
  /** Stops the process and deletes its temp dir. */
  stop(): Promise<void>;
  /** The same as stop (kept for symmetry with startProsody's handle). */
  remove(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A private Mosquitto 2 on 127.0.0.1 and a free port, configured in a temp dir: anonymous unless
 * `users` is given, plain TCP unless `tls` is given. Persistence is off, so retained messages live
 * as long as this broker process.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-mosquitto-"));
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freeLoopbackPort());
    const lines = [
      `listener ${port} 127.0.0.1`,
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "connection_messages true",
      // Started as root, mosquitto 2 drops to the "mosquitto" user, which cannot read our 0700 temp
      // dir (password file, TLS key); staying the current user keeps the files private.
      `user ${userInfo().username}`,
    ];
    if (options.users) {
      const passwd = join(dir, "passwd");
      writeFileSync(passwd, "");
      for (const [user, password] of Object.entries(options.users)) {
        const result = spawnSync("/usr/bin/mosquitto_passwd", ["-b", passwd, user, password], { encoding: "utf8" });
        if (result.status !== 0) throw new Error(`mosquitto_passwd failed: ${result.stderr}`);
      }
      lines.push("allow_anonymous false", `password_file ${passwd}`);
    } else {
      lines.push("allow_anonymous true");
    }
    if (options.tls) lines.push(`certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`);
    const conf = join(dir, "mosquitto.conf");
    writeFileSync(conf, `${lines.join("\n")}\n`);
    const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => { log = (log + chunk.toString()).slice(-20_000); });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + 5000;
    let up = false;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await canConnect(port)) { up = true; break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      child.kill("SIGKILL");
      await exited;
      // Another process took the port between freeLoopbackPort() and bind: try another one.
      if (attempt < 3 && options.port === undefined) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on ${port}: ${log}`);
    }
    let stopped = false;
    // The temp dir goes with the process: callers that restart "the broker" on the same port
    // (a new startMosquitto) must not leave the old one behind.
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      port,
      url: `${options.tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
      dir,
      log: () => log,
      stop,
      remove: stop,
    };
  }
}
