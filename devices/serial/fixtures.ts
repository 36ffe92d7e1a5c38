/**
 * Test fixtures of the serial driver, shared by its unit, PTY and end-to-end tests: the Plantower
 * PMS5003 particulate sensor expressed as a `frame` config, and an encoder for its frames.
 */
export const PMS5003_FRAME = {
  start: [0x42, 0x4d],
  // The length field counts the bytes after itself: the whole frame is 4 bytes longer.
  length: { offset: 2, size: 2, adjust: 4 },
  maxSize: 64,
  checksum: { type: "sum16be" },
  // Atmospheric-environment values (data 4..6); data 1..3 are the CF=1 "standard particle" ones.
  fields: { pm1_0: { offset: 10, type: "u16be" }, pm2_5: { offset: 12, type: "u16be" }, pm10: { offset: 14, type: "u16be" } },
} as const;

/** 42 4D, length 28, 13 u16 values (CF=1 and atmospheric PM1/PM2.5/PM10, then counts), sum16. */
export function pms5003Frame(pm1: number, pm25: number, pm10: number): Buffer {
  const frame = Buffer.alloc(32);
  frame.writeUInt16BE(0x424d, 0);
  frame.writeUInt16BE(28, 2);
  [pm1, pm25, pm10, pm1, pm25, pm10].forEach((value, i) => frame.writeUInt16BE(value, 4 + i * 2));
  frame.writeUInt16BE(frame.subarray(0, 30).reduce((a, b) => a + b, 0), 30);
  return frame;
}
