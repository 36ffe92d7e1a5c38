/**
 * Nova Fitness SDS011 particulate sensor, active reporting mode (9600 8N1, one frame per second).
 * Datasheet frame, 10 bytes: 0xAA header, 0xC0 command, data 1..6, checksum, 0xAB tail, where
 * PM2.5 = (data2 * 256 + data1) / 10 ug/m3, PM10 = (data4 * 256 + data3) / 10 ug/m3, data5..6 are
 * the device id, and checksum = (data1 + ... + data6) & 0xFF. Replies to commands use 0xC5.
 */
import { createChunkScanner, type ChunkScanner } from "../serial-port/chunk-scanner.js";

export interface Sds011Measurement {
  readonly pm2_5: number;
  readonly pm10: number;
  readonly deviceId: number;
}

export type Sds011Frame =
  | { readonly kind: "measurement"; readonly measurement: Sds011Measurement }
  | { readonly kind: "reply" }
  | { readonly kind: "badChecksum" };

export const SDS011_FRAME_SIZE = 10;
const HEADER = 0xaa;
const TAIL = 0xab;
const DATA = 0xc0;
const REPLY = 0xc5;

/** Decode one aligned 10-byte frame; undefined when it is not a frame at all. */
export function decodeSds011(frame: Uint8Array): Sds011Frame | undefined {
  if (frame.length !== SDS011_FRAME_SIZE || frame[0] !== HEADER || frame[9] !== TAIL) return undefined;
  const command = frame[1];
  if (command !== DATA && command !== REPLY) return undefined;
  let sum = 0;
  for (let i = 2; i <= 7; i++) sum += frame[i] ?? 0;
  if ((sum & 0xff) !== frame[8]) return { kind: "badChecksum" };
  if (command === REPLY) return { kind: "reply" };
  const byte = (i: number): number => frame[i] ?? 0;
  return {
    kind: "measurement",
    measurement: {
      pm2_5: (byte(3) * 256 + byte(2)) / 10,
      pm10: (byte(5) * 256 + byte(4)) / 10,
      deviceId: byte(6) * 256 + byte(7),
    },
  };
}

/** Encode a measurement frame (tests and the simulator use it). */
export function encodeSds011(pm2_5: number, pm10: number, deviceId = 0x1234): Buffer {
  const pm25Raw = Math.round(pm2_5 * 10);
  const pm10Raw = Math.round(pm10 * 10);
  const data = [pm25Raw & 0xff, pm25Raw >> 8, pm10Raw & 0xff, pm10Raw >> 8, deviceId >> 8, deviceId & 0xff];
  const checksum = data.reduce((a, b) => a + b, 0) & 0xff;
  return Buffer.from([HEADER, DATA, ...data, checksum, TAIL]);
}

export interface FrameScannerEvents {
  readonly onFrame: (frame: Sds011Frame) => void;
  /** Bytes skipped while hunting for a header (noise, a frame cut by a reconnect). */
  readonly onGarbage: (bytes: number) => void;
}

/** `buffered` is never more than one frame minus a byte. */
export type FrameScanner = ChunkScanner;

/**
 * Resynchronizing scanner for fixed-size frames: it slides over the input one byte at a time until
 * a header + tail + checksum line up, so noise costs bytes, not frames. It keeps at most
 * SDS011_FRAME_SIZE - 1 bytes between chunks: memory is bounded whatever the device sends.
 */
export function createSds011Scanner(events: FrameScannerEvents): FrameScanner {
  return createChunkScanner((data) => {
    let i = 0;
    let skipped = 0;
    while (i + SDS011_FRAME_SIZE <= data.length) {
      const decoded = data[i] === HEADER ? decodeSds011(data.subarray(i, i + SDS011_FRAME_SIZE)) : undefined;
      if (decoded === undefined) {
        skipped++;
        i++;
        continue;
      }
      events.onFrame(decoded);
      i += SDS011_FRAME_SIZE;
    }
    // Keep only a possible frame start; anything before the next header is noise.
    const nextHeader = data.indexOf(HEADER, i);
    const keepFrom = nextHeader === -1 ? data.length : nextHeader;
    return { keepFrom, skipped: skipped + keepFrom - i };
  }, events.onGarbage);
}
