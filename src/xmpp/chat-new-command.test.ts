import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deviceSchema } from "../../devices/index.js";
import { resolveTarget } from "../commands/resolve.js";
import { createCommandRegistry } from "../commands/index.js";
import { createDeviceManager } from "../device-manager/device-manager.js";
import { IotError } from "../errors/catalog.js";
import { createPipeline } from "../pipeline/pipeline.js";
import { collectStatus } from "../status/status.js";
import { runChatLine } from "./chat-commands.js";

/**
 * A command registered at run time is typed in chat (and rooms, which run the same lines) the way
 * its usage says, with the same forgiveness, and `help` lists it: nothing else is edited.
 */
describe("a new command in the registry works from chat", () => {
  const devices = [deviceSchema.parse({ id: "greenhouse", driver: "simulated", intervalMs: 60_000, channels: {
    lamp: { type: "boolean", writable: true }, humidity: { unit: "%RH", waveform: "constant", value: 55 } } })];
  const pipeline = createPipeline({ channels: () => devices[0]!.channels, onReading: () => undefined });
  const manager = createDeviceManager({ devices, pipeline, log: pino({ level: "silent" }) });
  const registry = createCommandRegistry({ devices: manager, pipeline, status: () => collectStatus({ name: "pi", jid: "a@x/r", connected: true, startedAt: Date.now(), devices: manager, pipeline, sinks: [] }) });
  const alice = { role: "admin", via: "chat", who: "alice@localhost" } as const;
  const bob = { role: "reader", via: "muc", who: "bob@localhost" } as const;

  registry.register({
    name: "toggle", description: "Flip an on/off channel", permission: "admin", usage: "toggle <device>/<channel>",
    chat: { example: "toggle greenhouse/lamp" },
    input: z.strictObject({ device: z.string().trim().min(1).optional(), channel: z.string().trim().min(1, "required") }),
    stages: [],
    async run(input) {
      const { device, channel } = resolveTarget(manager, input.device, input.channel, true);
      const before = pipeline.latest(device.id, channel)?.value;
      if (typeof before !== "boolean") throw new IotError("NOT_WRITABLE", `${device.id}/${channel} is not an on/off channel`);
      await manager.write(device.id, channel, !before);
      return { data: { device: device.id, channel, value: !before }, text: `${device.id}/${channel} is ${before ? "off" : "on"} now` };
    },
  });

  beforeAll(() => manager.start(new AbortController().signal));
  afterAll(() => manager.stop());

  it("help lists it with its usage", async () => {
    expect((await runChatLine(registry, "help", alice)).split("\n")).toContain("toggle <device>/<channel> - flip an on/off channel");
    expect(await runChatLine(registry, "help", bob)).not.toContain("toggle");
  });

  it("runs it as typed, forgiving case, a space for the slash and the channel alone", async () => {
    expect(await runChatLine(registry, "toggle greenhouse/lamp", alice)).toBe("greenhouse/lamp is on now");
    expect(await runChatLine(registry, "Toggle Greenhouse lamp", alice)).toBe("greenhouse/lamp is off now");
    expect(await runChatLine(registry, "TOGGLE lamp", alice)).toBe("greenhouse/lamp is on now");
    expect(pipeline.latest("greenhouse", "lamp")?.value).toBe(true);
  });

  it("answers a misfit line with its usage, a typo with did-you-mean, and an error through the catalog", async () => {
    expect(await runChatLine(registry, "toggle", alice)).toBe("Usage: toggle <device>/<channel>, e.g. toggle greenhouse/lamp");
    expect(await runChatLine(registry, "toggle a b c", alice)).toBe("Usage: toggle <device>/<channel>, e.g. toggle greenhouse/lamp");
    expect(await runChatLine(registry, "togle lamp", alice))
      .toBe('Unknown command "togle": did you mean toggle? Try: help, list, status, read <device>[/<channel>], set <device>/<channel> <value>, toggle <device>/<channel>');
    expect(await runChatLine(registry, "toggle greenhouse/humdity", alice)).toBe('Error: greenhouse has no channel "humdity"; did you mean humidity?');
    expect(await runChatLine(registry, "toggle greenhouse/humidity", alice)).toBe("Error: greenhouse/humidity is not an on/off channel");
    expect(await runChatLine(registry, "toggle lamp", bob)).toBe("Error: toggle is for admins only");
  });

  it("refuses a usage chat cannot read, and a name taken twice, when the command is registered", () => {
    const base = { description: "x", permission: "reader", input: z.strictObject({}), stages: [], run: async () => ({ data: null, text: "" }) } as const;
    expect(() => registry.register({ ...base, name: "dim", usage: "dim <device>/<channel> {level}" })).toThrow(/usage word "\{level\}"/);
    expect(() => registry.register({ ...base, name: "list", usage: "list" })).toThrow(/registered twice/);
    expect(registry.list("admin").map((c) => c.name)).toEqual(["list", "read", "set", "status", "help", "toggle"]);
  });
});
