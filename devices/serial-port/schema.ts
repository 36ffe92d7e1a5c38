import { z } from "zod";
import { reconnectShape } from "../../src/reconnect/config.js";

/** Port settings shared by every driver that reads a serial line (serial, nmea). */
export const serialPortShape = {
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(["none", "even", "odd"]).default("none"),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Reopen backoff after an unplug (src/reconnect/backoff.ts). */
  ...reconnectShape({ reconnectMinMs: 500, reconnectMaxMs: 30_000 }, { floorMs: 10, ceilingMs: 3_600_000 }),
  /** Bytes a line may hold before it is dropped as garbage: no device can grow memory. */
  maxLineLength: z.number().int().min(16).max(1_048_576).default(4096),
} as const;

export function checkBackoff(config: { reconnectMinMs: number; reconnectMaxMs: number }, ctx: z.RefinementCtx): void {
  if (config.reconnectMinMs > config.reconnectMaxMs) {
    ctx.addIssue({ code: "custom", path: ["reconnectMinMs"], message: "must not be greater than reconnectMaxMs" });
  }
}
