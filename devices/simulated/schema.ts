import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";

export const simulatedChannelSchema = z
  .strictObject({
    ...channelShape,
    waveform: z.enum(["sine", "randomWalk", "constant"]).optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    /** Sine period; default one minute. */
    periodMs: z.number().int().positive().optional(),
    /** Largest random-walk step per interval; default 2 % of max - min. */
    step: z.number().positive().optional(),
    /** Constant value, or the initial value of a writable channel. */
    value: z.union([z.number(), z.boolean(), z.string()]).optional(),
  })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
    message: "min must not be greater than max",
    path: ["min"],
  });

export const simulatedDeviceSchema = z.strictObject({
  ...deviceShape,
  driver: z.literal("simulated"),
  intervalMs: z.number().int().min(1).max(86_400_000).default(1000),
  channels: z.record(identifierSchema, simulatedChannelSchema),
});

export type SimulatedChannelConfig = z.infer<typeof simulatedChannelSchema>;
export type SimulatedDeviceConfig = z.infer<typeof simulatedDeviceSchema>;
