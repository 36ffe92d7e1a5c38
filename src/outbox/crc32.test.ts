import zlib from "node:zlib";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32Js } from "./crc32.js";

describe("crc32 fallback for Node < 20.15", () => {
  it("matches the check value and zlib.crc32 on strings (UTF-8) and bytes", () => {
    expect(crc32Js("123456789")).toBe(0xcbf43926);
    expect(crc32Js("")).toBe(0);
    const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;
    if (typeof native !== "function") return;
    for (const text of ['{"s":1,"t":2,"r":{"device":"meter"}}', "Grüße 21.5 °C ✓ 😀"]) expect(crc32Js(text)).toBe(native(text));
    for (let i = 0; i < 20; i++) {
      const bytes = randomBytes(i * 37);
      expect(crc32Js(bytes)).toBe(native(bytes));
    }
  });
});
