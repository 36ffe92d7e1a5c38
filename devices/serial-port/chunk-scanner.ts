/** A scanner's pass over the bytes it holds: where the unfinished tail starts, and how many bytes were noise. */
export type ScanPass = (data: Buffer) => { readonly keepFrom: number; readonly skipped: number };

export interface ChunkScanner {
  push(chunk: Buffer): void;
  /** Forget the held tail (after a reconnect its start belongs to another session). */
  reset(): void;
  readonly buffered: number;
}

/**
 * The byte handling every frame scanner shares: each chunk is joined to the tail the last pass
 * left, scanned, and only the new unfinished tail is kept (its bound is the pass's: it never keeps
 * more than one frame), so memory stays bounded whatever the device sends.
 */
export function createChunkScanner(pass: ScanPass, onGarbage: (bytes: number) => void): ChunkScanner {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const { keepFrom, skipped } = pass(data);
      pending = Buffer.from(data.subarray(keepFrom));
      if (skipped > 0) onGarbage(skipped);
    },
    reset() {
      pending = Buffer.alloc(0);
    },
    get buffered() {
      return pending.length;
    },
  };
}
