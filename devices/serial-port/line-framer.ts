/**
 * Splits a byte stream into lines with a hard bound. node-serialport's DelimiterParser buffers
 * without limit; here a line longer than maxLineLength is dropped whole (counted once as an
 * overflow) and everything up to the next newline is discarded, so memory stays below the bound
 * and the next good line still arrives.
 */
export interface LineFramerOptions {
  readonly maxLineLength: number;
  readonly onLine: (line: string) => void;
  /** Called once per oversized line, when it crosses the bound. */
  readonly onOverflow: (bytesSoFar: number) => void;
}

export interface LineFramer {
  push(chunk: Buffer): void;
  /** Forget a partial line (after a reconnect its start belongs to another session). */
  reset(): void;
  /** Bytes currently held; never above maxLineLength. */
  readonly buffered: number;
}

const LF = 0x0a;

export function createLineFramer(options: LineFramerOptions): LineFramer {
  const parts: Buffer[] = [];
  let held = 0;
  let discarding = false;

  const emit = (bytes: Buffer): void => {
    let line = bytes.toString("utf8");
    if (line.endsWith("\r")) line = line.slice(0, -1);
    options.onLine(line);
  };

  return {
    push(chunk) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(LF, start);
        const end = newline === -1 ? chunk.length : newline;
        const piece = chunk.subarray(start, end);
        if (discarding) {
          // Skip until the newline that ends the oversized line.
        } else if (held + piece.length > options.maxLineLength) {
          // Counted when it starts: a device that never sends a newline still shows up in stats.
          discarding = true;
          options.onOverflow(held + piece.length);
          parts.length = 0;
          held = 0;
        } else if (piece.length > 0) {
          // Copy: the chunk may be a view into serialport's reusable read pool.
          parts.push(Buffer.from(piece));
          held += piece.length;
        }
        if (newline === -1) break;
        if (discarding) {
          discarding = false;
        } else {
          const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
          parts.length = 0;
          held = 0;
          emit(line);
        }
        start = newline + 1;
      }
    },
    reset() {
      parts.length = 0;
      held = 0;
      discarding = false;
    },
    get buffered() {
      return held;
    },
  };
}
