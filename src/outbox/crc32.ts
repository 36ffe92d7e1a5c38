import zlib from "node:zlib";

/**
 * CRC-32 (IEEE 802.3, the polynomial zlib and gzip use) of a string's UTF-8 bytes.
 * `zlib.crc32` exists only from Node 20.15 / 22.2; the last Node the npm registry ships for armv7l
 * (32-bit Raspberry Pi OS) is 20.11, where a named import of it fails the whole module graph at
 * load. So: zlib's when present (read at run time, not imported by name), else this table version,
 * which gives the same values.
 */
const TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32Js(data: string | Uint8Array): number {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;

export const crc32: (data: string | Uint8Array) => number = typeof native === "function" ? native : crc32Js;
