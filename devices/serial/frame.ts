import { z } from "zod";
import { identifierSchema } from "../../src/device-contract/index.js";
import { createChunkScanner, type ChunkScanner } from "../serial-port/chunk-scanner.js";

/**
 * A generic binary framed protocol: start bytes, a length field, a checksum (and optional end
 * bytes), with numeric fields at fixed offsets. The Plantower PMS5003 is the classic case:
 * 42 4D, length (u16 big-endian, bytes after the length field), 13 u16 values, u16 sum of all bytes
 * before the checksum. Scaling belongs to the channel config (`scale`), not here.
 */
const byte = z.number().int().min(0).max(255);
export const FIELD_TYPES = ["u8", "i8", "u16be", "u16le", "i16be", "i16le", "u32be", "u32le", "i32be", "i32le", "f32be", "f32le"] as const;
export const CHECKSUMS = ["sum8", "sum16be", "sum16le", "xor8", "crc16modbus"] as const;

export const frameSchema = z.strictObject({
  start: z.array(byte).min(1).max(8),
  /** Where the length field is, its size, and what to add to its value to get the whole frame size. */
  length: z.strictObject({
    offset: z.number().int().min(0).max(64),
    size: z.union([z.literal(1), z.literal(2)]),
    endian: z.enum(["big", "little"]).default("big"),
    adjust: z.number().int().min(-64).max(64).default(0),
  }),
  /** The bound: a length field claiming more is garbage, so the buffer never grows past it. */
  maxSize: z.number().int().min(4).max(4096).default(256),
  /** Checksum over bytes [from, checksum position); it sits just before `end` (or at the very end). */
  checksum: z.strictObject({ type: z.enum(CHECKSUMS), from: z.number().int().min(0).default(0) }),
  end: z.array(byte).max(8).optional(),
  fields: z.record(identifierSchema, z.strictObject({ offset: z.number().int().min(0).max(4095), type: z.enum(FIELD_TYPES) })),
});
export type FrameConfig = z.infer<typeof frameSchema>;

const CHECKSUM_SIZE: Record<FrameConfig["checksum"]["type"], number> = { sum8: 1, xor8: 1, sum16be: 2, sum16le: 2, crc16modbus: 2 };
const FIELD_SIZE = (type: (typeof FIELD_TYPES)[number]): number => (type.endsWith("8") ? 1 : type.includes("16") ? 2 : 4);

/** Modbus RTU CRC-16 (poly 0xA001 reflected, init 0xFFFF), transmitted low byte first. */
export function crc16modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function checksumOk(config: FrameConfig, frame: Buffer, at: number): boolean {
  const data = frame.subarray(config.checksum.from, at);
  switch (config.checksum.type) {
    case "sum8": return (data.reduce((a, b) => a + b, 0) & 0xff) === frame[at];
    case "xor8": return data.reduce((a, b) => a ^ b, 0) === frame[at];
    case "sum16be": return (data.reduce((a, b) => a + b, 0) & 0xffff) === frame.readUInt16BE(at);
    case "sum16le": return (data.reduce((a, b) => a + b, 0) & 0xffff) === frame.readUInt16LE(at);
    case "crc16modbus": return crc16modbus(data) === frame.readUInt16LE(at);
  }
}

function readField(frame: Buffer, offset: number, type: (typeof FIELD_TYPES)[number]): number {
  switch (type) {
    case "u8": return frame.readUInt8(offset);
    case "i8": return frame.readInt8(offset);
    case "u16be": return frame.readUInt16BE(offset);
    case "u16le": return frame.readUInt16LE(offset);
    case "i16be": return frame.readInt16BE(offset);
    case "i16le": return frame.readInt16LE(offset);
    case "u32be": return frame.readUInt32BE(offset);
    case "u32le": return frame.readUInt32LE(offset);
    case "i32be": return frame.readInt32BE(offset);
    case "i32le": return frame.readInt32LE(offset);
    case "f32be": return frame.readFloatBE(offset);
    case "f32le": return frame.readFloatLE(offset);
  }
}

export interface FrameEvents {
  readonly onValues: (values: ReadonlyArray<readonly [string, number]>) => void;
  readonly onBadChecksum: () => void;
  /** Bytes skipped hunting for a start sequence, or a frame whose length or end bytes are wrong. */
  readonly onGarbage: (bytes: number) => void;
}

/**
 * Resynchronizing scanner: on anything wrong (length out of bounds, end bytes, checksum) it drops
 * one byte and looks for the next start sequence, so noise costs bytes, not frames. It never holds
 * more than maxSize bytes between chunks.
 */
export function createFrameScanner(config: FrameConfig, events: FrameEvents): ChunkScanner {
  const trailer = Buffer.from(config.end ?? []);
  const start = Buffer.from(config.start);
  const header = Math.max(config.length.offset + config.length.size, start.length);
  const minSize = header + CHECKSUM_SIZE[config.checksum.type] + trailer.length;
  return createChunkScanner((data) => {
    let i = 0;
    let skipped = 0;
    while (i < data.length) {
      const at = data.indexOf(start, i);
      if (at === -1) {
        // Keep a tail that may be the beginning of a start sequence split across chunks.
        const keep = Math.max(i, data.length - (start.length - 1));
        skipped += keep - i;
        i = keep;
        break;
      }
      skipped += at - i;
      i = at;
      if (data.length - i < header) break;
      const raw = config.length.size === 1 ? data.readUInt8(i + config.length.offset)
        : config.length.endian === "big" ? data.readUInt16BE(i + config.length.offset) : data.readUInt16LE(i + config.length.offset);
      const size = raw + config.length.adjust;
      if (size < minSize || size > config.maxSize) {
        skipped++;
        i++;
        continue;
      }
      if (data.length - i < size) break;
      const frame = data.subarray(i, i + size);
      const checksumAt = size - trailer.length - CHECKSUM_SIZE[config.checksum.type];
      if (trailer.length > 0 && !frame.subarray(size - trailer.length).equals(trailer)) {
        skipped++;
        i++;
        continue;
      }
      if (!checksumOk(config, frame, checksumAt)) {
        events.onBadChecksum();
        skipped++;
        i++;
        continue;
      }
      const values: Array<[string, number]> = [];
      for (const [channel, field] of Object.entries(config.fields)) {
        if (field.offset + FIELD_SIZE(field.type) <= checksumAt) values.push([channel, readField(frame, field.offset, field.type)]);
      }
      events.onValues(values);
      i += size;
    }
    return { keepFrom: i, skipped };
  }, events.onGarbage);
}
