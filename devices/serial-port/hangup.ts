import { read } from "node:fs";
import { promisify } from "node:util";

const readAsync = promisify(read);

interface ReadResult {
  readonly bytesRead: number;
  readonly buffer: Buffer;
}

/** What a unix port of @serialport/bindings-cpp has (LinuxPortBinding, DarwinPortBinding). */
interface PollingPort {
  readonly fd: number | null;
  readonly poller: { once(event: "readable", callback: (error: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<ReadResult>;
}

interface AnyBinding {
  open(options: never): Promise<unknown>;
}

function isPollingPort(port: unknown): port is PollingPort {
  const candidate = port as Partial<PollingPort> | null;
  return typeof candidate?.fd === "number" && typeof candidate.poller?.once === "function" && typeof candidate.read === "function";
}

/** The error @serialport/stream treats as "stop reading", not as a disconnect. */
function canceled(): Error {
  return Object.assign(new Error("Port is not open"), { canceled: true });
}

const RETRY_CODES = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"]);

/**
 * Reads a non-blocking tty like bindings-cpp does, except at end of file. A tty whose other side
 * has hung up (a USB adapter pulled out: the kernel's tty_vhangup; a PTY whose master closed) reads
 * 0 bytes forever. bindings-cpp's unixRead retries a 0-byte read at once, so the port spins a
 * thread-pool thread and never reports the unplug; a non-blocking tty with nothing to read says
 * EAGAIN instead, so 0 bytes means the device is gone.
 */
async function readUntilHangup(port: PollingPort, buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
  for (;;) {
    if (port.fd === null) throw canceled();
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
    } catch (error) {
      if (!RETRY_CODES.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      if (port.fd === null) throw canceled();
      await new Promise<void>((resolve, reject) => port.poller.once("readable", (pollError) => (pollError ? reject(pollError) : resolve())));
      continue;
    }
    // Any error that is not "canceled" makes @serialport/stream close the port as disconnected.
    if (bytesRead === 0) throw new Error("the device hung up (end of file)");
    return { bytesRead, buffer };
  }
}

/**
 * The binding with end-of-file taken as a disconnect. Ports that are not bindings-cpp unix ports
 * (the mock binding in tests, Windows) read as before.
 */
export function withHangupDetection<B extends AnyBinding>(binding: B): B {
  return {
    ...binding,
    list: (binding as unknown as { list: () => Promise<unknown> }).list.bind(binding),
    async open(options: never) {
      const port = await binding.open(options);
      if (isPollingPort(port)) port.read = (buffer, offset, length) => readUntilHangup(port, buffer, offset, length);
      return port;
    },
  } as B;
}
