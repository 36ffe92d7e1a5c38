import { quoteInput } from "../../src/text/echo.js";
import { IotError } from "../../src/errors/catalog.js";
import type { ReadingValue } from "../../src/readings/reading.js";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import type { SimulatedDeviceConfig } from "./schema.js";
import { createWaveform, generatedType, type Waveform } from "./waveform.js";

export { simulatedDeviceSchema } from "./schema.js";

/** Simulated sensors and actuators: waveforms at `intervalMs`; writable channels read back. */
export function createSimulatedDevice(context: DriverContext, options: SimulatedDeviceConfig): DeviceDriver {
  const waveforms = new Map<string, Waveform>();
  for (const [name, channel] of Object.entries(options.channels)) waveforms.set(name, createWaveform(channel));
  const writable = Object.entries(options.channels).filter(([, c]) => c.writable === true).map(([name]) => name);
  let timer: NodeJS.Timeout | undefined;
  let produced = 0;

  const tick = (): void => {
    const now = Date.now();
    for (const [channel, waveform] of waveforms) {
      context.emit({ channel, value: waveform.next(now), time: now / 1000 });
      produced++;
    }
  };

  return {
    async start() {
      context.setHealth({ state: "ok" });
      tick();
      timer = setInterval(tick, options.intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      context.setHealth({ state: "stopped" });
    },
    writableChannels: () => writable,
    async write(channel: string, value: ReadingValue) {
      const config = options.channels[channel];
      const waveform = waveforms.get(channel);
      if (!config || !waveform) throw new IotError("UNKNOWN_CHANNEL", `${options.id} has no channel "${channel}"`);
      if (config.writable !== true) throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is not writable`);
      const expected = generatedType(config);
      if (typeof value !== expected) throw new IotError("BAD_INPUT", `${options.id}/${channel} expects a ${expected}, got ${quoteInput(value)}`);
      waveform.set(value);
      // Read back at once so subscribers see the new state without waiting for the next tick.
      context.emit({ channel, value: waveform.next(Date.now()), time: Date.now() / 1000 });
    },
    stats: () => ({ produced }),
  };
}
