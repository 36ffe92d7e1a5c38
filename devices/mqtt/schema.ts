import { z } from "zod";
import { channelSchema, deviceShape, filterProblem, identifierSchema, topicProblem } from "../../src/device-contract/index.js";

const filter = z.string().superRefine((value, ctx) => {
  const problem = filterProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const topic = z.string().superRefine((value, ctx) => {
  const problem = topicProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * One external topic and how its payload becomes channels:
 * - `value`: the payload is one plain value (`21.5`, `ON`) for `channel`;
 * - `json`: `paths` maps channel -> dotted path (`ENERGY.Power`, `list.0.v`); without `paths`
 *   every number and boolean leaf is a channel named by its path;
 * - `tasmota`: `tele/<topic>/SENSOR` and `STATE` JSON: numeric leaves and `POWER*` ON/OFF, `Time`
 *   and `*Unit` keys skipped; `paths` renames as for `json`.
 */
export const mqttSubscriptionSchema = z
  .strictObject({
    topic: filter,
    format: z.enum(["value", "json", "tasmota"]).default("value"),
    channel: identifierSchema.optional(),
    paths: z.record(identifierSchema, z.string().min(1).max(256)).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.format === "value" && s.channel === undefined) ctx.addIssue({ code: "custom", path: ["channel"], message: "format \"value\" needs the channel the value goes to" });
    if (s.format !== "value" && s.channel !== undefined) ctx.addIssue({ code: "custom", path: ["channel"], message: `format "${s.format}" takes channels from the payload; use paths to name them` });
    if (s.format === "value" && s.paths !== undefined) ctx.addIssue({ code: "custom", path: ["paths"], message: "paths apply to json and tasmota payloads only" });
  });

/** How `set` on a channel reaches the device: a publish to its command topic (Tasmota `cmnd/<t>/POWER`). */
export const mqttCommandSchema = z.strictObject({
  topic,
  /** Payloads for booleans; numbers and strings are sent as text. */
  payloadOn: z.string().default("ON"),
  payloadOff: z.string().default("OFF"),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  retain: z.boolean().default(false),
  /** Publish the written value as a reading at once instead of waiting for the device's state topic. */
  optimistic: z.boolean().default(false),
});

export const mqttDeviceSchema = z.strictObject({
  ...deviceShape,
  driver: z.literal("mqtt"),
  subscriptions: z.array(mqttSubscriptionSchema).min(1).max(64),
  commands: z.record(identifierSchema, mqttCommandSchema).default({}),
  /** The device's own availability topic (Tasmota `tele/<t>/LWT`: Online/Offline). */
  availability: z
    .strictObject({ topic, online: z.string().default("Online"), offline: z.string().default("Offline") })
    .optional(),
  /** Mark the device failing when nothing arrived for this long. */
  staleAfterMs: z.number().int().min(1000).optional(),
  /** Larger payloads are counted and ignored. */
  maxPayloadBytes: z.number().int().min(16).max(1_048_576).default(65_536),
  channels: z.record(identifierSchema, channelSchema).default({}),
});

export type MqttSubscriptionConfig = z.infer<typeof mqttSubscriptionSchema>;
export type MqttCommandConfig = z.infer<typeof mqttCommandSchema>;
export type MqttDeviceConfig = z.infer<typeof mqttDeviceSchema>;
