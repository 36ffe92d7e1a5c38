import { z } from "zod";
import type { ReconnectRange } from "./backoff.js";

export interface ReconnectLimits {
  /** The smallest value either key accepts. */
  readonly floorMs: number;
  /** The largest `reconnectMaxMs` accepted, if bounded. */
  readonly ceilingMs?: number;
}

/**
 * `reconnectMinMs` / `reconnectMaxMs`: the config keys of a reconnect range (src/reconnect/backoff.ts
 * says how the delays grow), the same names in `xmpp`, `mqtt`, serial ports and GPIO.
 */
export function reconnectShape(defaults: ReconnectRange, limits: ReconnectLimits) {
  return {
    reconnectMinMs: reconnectMinSchema(limits).default(defaults.reconnectMinMs),
    reconnectMaxMs: reconnectMaxSchema(limits).default(defaults.reconnectMaxMs),
  };
}

export const reconnectMinSchema = (limits: ReconnectLimits) => z.number().int().min(limits.floorMs);

export function reconnectMaxSchema(limits: ReconnectLimits) {
  const ms = z.number().int().min(limits.floorMs);
  return limits.ceilingMs === undefined ? ms : ms.max(limits.ceilingMs);
}
