import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { eventually } from "../harness/wait.js";

/**
 * A real pseudo-terminal pair from socat: the driver opens `a`, the test plays the device on `b`.
 * `unplug()` kills socat (both links vanish, like a USB adapter pulled out); `plug()` starts it again
 * at the same link paths.
 */
export interface PtyPair {
  readonly dir: string;
  readonly a: string;
  readonly b: string;
  plug(): Promise<void>;
  unplug(): Promise<void>;
  /** The device side: a real SerialPort on `b` (reopened after each plug()). */
  device(): Promise<SerialPort>;
  close(): Promise<void>;
}

export async function createPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-pty-"));
  const a = join(dir, "A");
  const b = join(dir, "B");
  let socat: ChildProcess | undefined;
  let devicePort: SerialPort | undefined;

  const closeDevice = async (): Promise<void> => {
    const port = devicePort;
    devicePort = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
    port?.on("error", () => {});
  };

  const pair: PtyPair = {
    dir,
    a,
    b,
    async plug() {
      // Idempotent: a second socat on the same links would be orphaned by close().
      if (socat && socat.exitCode === null) return;
      const child = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
      socat = child;
      await eventually(() => existsSync(a) && existsSync(b), "socat links", 5000, { everyMs: 10 });
    },
    async unplug() {
      await closeDevice();
      const child = socat;
      socat = undefined;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await eventually(() => !existsSync(a) && !existsSync(b), "socat links to vanish", 5000, { everyMs: 10 });
    },
    async device() {
      if (devicePort?.isOpen) return devicePort;
      const port = new SerialPort({ path: b, baudRate: 9600, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
      port.on("error", () => {});
      devicePort = port;
      return port;
    },
    async close() {
      await pair.unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pair.plug();
  return pair;
}

/** Write and wait until the bytes left the device side. */
export async function send(port: SerialPort, data: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => port.write(data, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve) => port.drain(() => resolve()));
}
