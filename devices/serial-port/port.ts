import type { SerialPort, SerialPortMock, SerialPortOpenOptions } from "serialport";

/** A node-serialport binding (bindings-cpp by default; MockBinding or another in tests). */
export type SerialBinding = typeof SerialPort.binding | typeof SerialPortMock.binding;
import type { Logger } from "pino";
import { IotError, messageOf } from "../../src/errors/catalog.js";
import type { DeviceHealth } from "../../src/device-contract/index.js";
import { createReconnectBackoff } from "../../src/reconnect/backoff.js";
import { withHangupDetection } from "./hangup.js";

export interface PortOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: "none" | "even" | "odd";
  readonly stopBits?: 1 | 2;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export interface PortDeps {
  readonly log: Logger;
  readonly setHealth: (health: DeviceHealth) => void;
  readonly onData: (chunk: Buffer) => void;
  /** Called after every successful (re)open, e.g. to reset framing state. */
  readonly onOpen?: () => void;
  /** node-serialport's seam: the real bindings-cpp by default, a mock or another binding in tests. */
  readonly binding?: SerialBinding;
  readonly random?: () => number;
}

export interface PortStats {
  readonly opens: number;
  readonly openFailures: number;
  readonly disconnects: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface ReopeningPort {
  start(signal: AbortSignal): void;
  stop(): Promise<void>;
  write(data: string | Buffer): Promise<void>;
  isOpen(): boolean;
  stats(): PortStats;
}

/** Turn an open/read error into a reason a user can act on. */
export function describePortError(path: string, error: unknown): string {
  const message = messageOf(error);
  if (/permission denied|EACCES/i.test(message)) {
    return `permission denied on ${path}: add the user to the dialout group (sudo usermod -aG dialout $USER) and log in again`;
  }
  if (/no such file|ENOENT|cannot open/i.test(message)) return `${path} not found (unplugged?): ${message}`;
  if (/busy|EBUSY|lock/i.test(message)) return `${path} is busy (another program has it open): ${message}`;
  return `${path}: ${message}`;
}

/**
 * A serial port that reopens itself. An open failure or a disconnect (USB unplugged, socat gone)
 * marks the device failing and reopens by the one reconnect rule (src/reconnect: exponential from
 * reconnectMinMs to reconnectMaxMs, equal jitter, starting over only after a port that stayed open);
 * the first good open marks it ok again. The device manager never sees a throw.
 */
export function createReopeningPort(deps: PortDeps, options: PortOptions): ReopeningPort {
  const backoff = createReconnectBackoff(options, deps.random ? { random: deps.random } : {});
  let port: SerialPort | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let opens = 0;
  let openFailures = 0;
  let disconnects = 0;
  let bytesIn = 0;
  let bytesOut = 0;

  const scheduleReopen = (reason: string): void => {
    if (stopped || timer) return;
    const delay = backoff.next();
    deps.setHealth({ state: "failing", reason });
    deps.log.debug({ delayMs: delay, attempt: backoff.attempts }, "serial port reopen scheduled");
    timer = setTimeout(() => {
      timer = undefined;
      open();
    }, delay);
  };

  const open = (): void => {
    if (stopped) return;
    loadSerialPort().then(openWith, (error: unknown) => {
      openFailures++;
      scheduleReopen(describePortError(options.path, error));
    });
  };

  const openWith = ({ SerialPort }: typeof import("serialport")): void => {
    if (stopped) return;
    const settings = {
      path: options.path,
      baudRate: options.baudRate,
      dataBits: options.dataBits ?? 8,
      parity: options.parity ?? "none",
      stopBits: options.stopBits ?? 1,
      autoOpen: false,
      // SerialPort spreads its options over the detected binding, so this one wins.
      binding: withHangupDetection(deps.binding ?? SerialPort.binding),
    } as SerialPortOpenOptions<typeof SerialPort.binding>;
    let candidate: SerialPort;
    try {
      candidate = new SerialPort(settings);
    } catch (error) {
      // Bad settings for this binding: report and retry like any other open failure.
      openFailures++;
      scheduleReopen(describePortError(options.path, error));
      return;
    }
    port = candidate;
    candidate.on("data", (chunk: Buffer) => {
      bytesIn += chunk.length;
      deps.onData(chunk);
    });
    // 'error' without a listener would crash the process; the close handler does the recovery.
    candidate.on("error", (error: Error) => deps.log.debug({ err: error.message }, "serial port error"));
    candidate.on("close", (error: (Error & { disconnected?: boolean }) | null) => {
      if (port !== candidate) return;
      port = undefined;
      if (stopped) return;
      disconnects++;
      scheduleReopen(`${options.path} disconnected (unplugged?), reopening: ${messageOf(error ?? "port closed")}`);
    });
    candidate.open((error) => {
      if (port !== candidate) {
        if (!error) candidate.close();
        return;
      }
      if (error) {
        port = undefined;
        openFailures++;
        scheduleReopen(describePortError(options.path, error));
        return;
      }
      opens++;
      // A flapping cable must not turn into a reopen loop at the minimum delay: only a port that
      // stays open starts the backoff over.
      backoff.up();
      deps.onOpen?.();
      deps.setHealth({ state: "ok" });
      deps.log.info({ path: options.path }, "serial port open");
    });
  };

  let abortSignal: AbortSignal | undefined;
  const onAbort = (): void => void handle.stop();

  const handle: ReopeningPort = {
    start(signal) {
      stopped = false;
      abortSignal = signal;
      signal.addEventListener("abort", onAbort, { once: true });
      open();
    },
    async stop() {
      stopped = true;
      abortSignal?.removeEventListener("abort", onAbort);
      abortSignal = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const current = port;
      port = undefined;
      if (current?.isOpen) await new Promise<void>((resolve) => current.close(() => resolve()));
      current?.removeAllListeners();
      // Keep a no-op error listener: a late read error after close must not become uncaught.
      current?.on("error", () => {});
    },
    async write(data) {
      const current = port;
      if (!current?.isOpen) throw new IotError("DEVICE_FAILING", `${options.path} is not open`);
      await new Promise<void>((resolve, reject) => {
        current.write(data, (error) => (error ? reject(new IotError("DEVICE_FAILING", describePortError(options.path, error))) : resolve()));
      });
      await new Promise<void>((resolve) => current.drain(() => resolve()));
      bytesOut += typeof data === "string" ? Buffer.byteLength(data) : data.length;
    },
    isOpen: () => port?.isOpen === true,
    stats: () => ({ opens, openFailures, disconnects, bytesIn, bytesOut }),
  };
  return handle;
}

let serialPortModule: Promise<typeof import("serialport")> | undefined;

/** serialport and its native binding load when a port first opens: ~14 MB of RSS saved otherwise. */
function loadSerialPort(): Promise<typeof import("serialport")> {
  return (serialPortModule ??= import("serialport"));
}
