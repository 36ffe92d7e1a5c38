import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import type { ReconnectRange } from "../../src/reconnect/backoff.js";
import { reconnectMaxSchema, reconnectMinSchema, type ReconnectLimits } from "../../src/reconnect/config.js";

export const EDGES_SUFFIX = "_edges";

/** Restart backoff of a gpiomon/gpioset that died, when the config names none. */
export const GPIO_RECONNECT: ReconnectRange = { reconnectMinMs: 1000, reconnectMaxMs: 60_000 };
const GPIO_RECONNECT_LIMITS: ReconnectLimits = { floorMs: 10, ceilingMs: 3_600_000 };

/** Old names of the reconnect keys: still read, and `check` names the new one. */
export const DEPRECATED_GPIO_KEYS = [["restartMinMs", "reconnectMinMs"], ["restartMaxMs", "reconnectMaxMs"]] as const;

export const gpioChannelSchema = z.strictObject({
  ...channelShape,
  /** A line name from the device tree (`GPIO17`) or an offset on the chip (17). */
  line: z.union([z.string().regex(/^[A-Za-z0-9_.:-]+$/, "a line name like GPIO17"), z.number().int().min(0).max(4095)]),
  /** Overrides the device's chip for this line. */
  chip: z.string().min(1).optional(),
  direction: z.enum(["input", "output"]).default("input"),
  bias: z.enum(["as-is", "disable", "pull-up", "pull-down"]).optional(),
  /** Logical value = NOT electrical level (buttons to ground, active-low relay boards). */
  activeLow: z.boolean().default(false),
  /** Inputs: a level must hold this long before it counts (contact bounce). */
  debounceMs: z.number().int().min(0).max(10_000).default(20),
  /** Inputs: also publish `<channel>_edges`, the number of debounced changes since start. */
  countEdges: z.boolean().default(true),
  /** Outputs: driven at start; without it the line is untouched until the first `set`. */
  initial: z.boolean().optional(),
});

export const gpioDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("gpio"),
    /** Chip for lines given by offset: `gpiochip0` on every Raspberry Pi model's header. */
    chip: z.string().min(1).default("gpiochip0"),
    /** libgpiod tools syntax; `auto` asks `gpioget --version`. */
    tools: z.enum(["auto", "v1", "v2"]).default("auto"),
    /**
     * Restart backoff of a gpiomon/gpioset that died (src/reconnect/backoff.ts); GPIO_RECONNECT when
     * absent. No zod default: a config with only the old names must keep their values.
     */
    reconnectMinMs: reconnectMinSchema(GPIO_RECONNECT_LIMITS).optional(),
    reconnectMaxMs: reconnectMaxSchema(GPIO_RECONNECT_LIMITS).optional(),
    restartMinMs: reconnectMinSchema(GPIO_RECONNECT_LIMITS).optional(),
    restartMaxMs: reconnectMaxSchema(GPIO_RECONNECT_LIMITS).optional(),
    /** libgpiod v1 only: a new gpioset still running after this long is holding its line. */
    settleMs: z.number().int().min(10).max(10_000).default(150),
    channels: z.record(identifierSchema, gpioChannelSchema).refine((c) => Object.keys(c).length > 0, "at least one line"),
  })
  .superRefine((config, ctx) => {
    for (const [old, now] of DEPRECATED_GPIO_KEYS) {
      if (config[old] !== undefined && config[now] !== undefined) ctx.addIssue({ code: "custom", path: [old], message: `the old name of ${now}, which is also given; keep only ${now}` });
    }
    for (const [name, channel] of Object.entries(config.channels)) {
      const at = (key: string): PropertyKey[] => ["channels", name, key];
      if (channel.type !== undefined && channel.type !== "boolean") ctx.addIssue({ code: "custom", path: at("type"), message: "GPIO lines are boolean" });
      if (channel.direction === "input" && channel.writable === true) {
        ctx.addIssue({ code: "custom", path: at("writable"), message: 'an input cannot be set; use "direction": "output"' });
      }
      if (channel.direction === "input" && channel.initial !== undefined) ctx.addIssue({ code: "custom", path: at("initial"), message: "only for outputs" });
      if (channel.countEdges && channel.direction === "input" && config.channels[`${name}${EDGES_SUFFIX}`]) {
        ctx.addIssue({ code: "custom", path: ["channels", `${name}${EDGES_SUFFIX}`], message: `clashes with the edge counter of "${name}"` });
      }
    }
  })
  // Lines are booleans and outputs writable: filled in so `set lamp on` is coerced and listed right.
  .overwrite((config) => ({
    ...config,
    channels: Object.fromEntries(
      Object.entries(config.channels).map(([name, c]) => [name, { ...c, type: "boolean" as const, ...(c.direction === "output" ? { writable: true } : {}) }]),
    ),
  }));

export type GpioChannelConfig = z.infer<typeof gpioChannelSchema>;
export type GpioDeviceConfig = z.infer<typeof gpioDeviceSchema>;

/** The reconnect range of a GPIO device: its reconnect keys, else their old names, else GPIO_RECONNECT. */
export function gpioReconnectRange(config: Pick<GpioDeviceConfig, "reconnectMinMs" | "reconnectMaxMs" | "restartMinMs" | "restartMaxMs">): ReconnectRange {
  return {
    reconnectMinMs: config.reconnectMinMs ?? config.restartMinMs ?? GPIO_RECONNECT.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs ?? config.restartMaxMs ?? GPIO_RECONNECT.reconnectMaxMs,
  };
}
