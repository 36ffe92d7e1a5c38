import { describe, expect, it } from "vitest";
import { GPIO_RECONNECT, gpioDeviceSchema, gpioReconnectRange } from "./schema.js";

const parse = (extra: object) => gpioDeviceSchema.parse({ id: "door", driver: "gpio", channels: { contact: { line: 17 } }, ...extra });

describe("gpio reconnect keys", () => {
  it("reads reconnectMinMs/reconnectMaxMs, else the old restart names, else the defaults", () => {
    expect(gpioReconnectRange(parse({ reconnectMinMs: 200, reconnectMaxMs: 800 }))).toEqual({ reconnectMinMs: 200, reconnectMaxMs: 800 });
    expect(gpioReconnectRange(parse({ restartMinMs: 300, restartMaxMs: 900 }))).toEqual({ reconnectMinMs: 300, reconnectMaxMs: 900 });
    expect(gpioReconnectRange(parse({ restartMinMs: 300 }))).toEqual({ reconnectMinMs: 300, reconnectMaxMs: GPIO_RECONNECT.reconnectMaxMs });
    expect(gpioReconnectRange(parse({}))).toEqual(GPIO_RECONNECT);
  });

  it("refuses an old and a new name of the same key together", () => {
    const result = gpioDeviceSchema.safeParse({ id: "door", driver: "gpio", channels: { contact: { line: 17 } }, restartMaxMs: 900, reconnectMaxMs: 800 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["restartMaxMs", "the old name of reconnectMaxMs, which is also given; keep only reconnectMaxMs"]]);
  });
});
