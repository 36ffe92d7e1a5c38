import { describe, expect, it } from "vitest";
import { PMS5003_FRAME, pms5003Frame } from "./fixtures.js";
import { crc16modbus, createFrameScanner, frameSchema, type FrameConfig } from "./frame.js";

const PMS5003: FrameConfig = frameSchema.parse(PMS5003_FRAME);

function scan(config: FrameConfig, chunks: Buffer[]) {
  const values: Array<ReadonlyArray<readonly [string, number]>> = [];
  let bad = 0;
  let garbage = 0;
  const scanner = createFrameScanner(config, { onValues: (v) => values.push(v), onBadChecksum: () => { bad++; }, onGarbage: (n) => { garbage += n; } });
  let maxBuffered = 0;
  for (const chunk of chunks) {
    scanner.push(chunk);
    maxBuffered = Math.max(maxBuffered, scanner.buffered);
  }
  return { values, bad, garbage, maxBuffered };
}

describe("generic binary frames", () => {
  it("PMS5003: start bytes, length, sum16 checksum; fields by offset", () => {
    const { values, bad, garbage } = scan(PMS5003, [pms5003Frame(5, 12, 20)]);
    expect(values).toEqual([[["pm1_0", 5], ["pm2_5", 12], ["pm10", 20]]]);
    expect([bad, garbage]).toEqual([0, 0]);
  });

  it("resynchronizes byte by byte through noise, a bad checksum and a lying length, with a bounded buffer", () => {
    const corrupt = pms5003Frame(1, 2, 3);
    corrupt[12] = 99;
    const lying = Buffer.from([0x42, 0x4d, 0xff, 0xff]);
    const stream = Buffer.concat([Buffer.from([0x00, 0x42, 0x13]), corrupt, lying, pms5003Frame(7, 8, 9), Buffer.alloc(300, 0x42)]);
    const bytes = [...stream].map((b) => Buffer.from([b]));
    const { values, bad, maxBuffered } = scan(PMS5003, bytes);
    expect(values).toEqual([[["pm1_0", 7], ["pm2_5", 8], ["pm10", 9]]]);
    expect(bad).toBe(1);
    expect(maxBuffered).toBeLessThanOrEqual(64);
  });

  it("end bytes and a Modbus CRC-16 (low byte first)", () => {
    expect(crc16modbus(Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x0a]))).toBe(0xcdc5);
    const config = frameSchema.parse({
      start: [0x7e], length: { offset: 1, size: 1 }, checksum: { type: "crc16modbus", from: 1 }, end: [0x7f],
      fields: { temperature: { offset: 2, type: "i16le" }, pressure: { offset: 4, type: "f32le" } },
    });
    const body = Buffer.alloc(9);
    body.writeUInt8(0x7e, 0);
    body.writeUInt8(11, 1);
    body.writeInt16LE(-125, 2);
    body.writeFloatLE(1013.25, 4);
    const crc = Buffer.alloc(2);
    crc.writeUInt16LE(crc16modbus(body.subarray(1, 8)), 0);
    const frame = Buffer.concat([body.subarray(0, 8), crc, Buffer.from([0x7f])]);
    expect(frame.length).toBe(11);
    expect(scan(config, [frame.subarray(0, 5), frame.subarray(5)]).values).toEqual([[["temperature", -125], ["pressure", 1013.25]]]);
    const wrongEnd = Buffer.from(frame);
    wrongEnd[10] = 0x00;
    expect(scan(config, [wrongEnd]).values).toEqual([]);
  });
});
