import type { Reading } from "../readings/reading.js";

/** More channels than any configuration has: past it the cache starts over rather than grow. */
const MAX_CACHED = 4096;

/**
 * A reading's destination (pubsub node, MQTT topic) built once per channel, not once per reading:
 * under the unit's `--no-opt` a fresh string per reading is built, hashed and collected again.
 */
export function cachedDestination(build: (device: string, channel: string) => string): (reading: Pick<Reading, "device" | "channel">) => string {
  let byDevice = new Map<string, Map<string, string>>();
  let size = 0;
  return (reading) => {
    let channels = byDevice.get(reading.device);
    if (channels === undefined) {
      if (size >= MAX_CACHED) { byDevice = new Map(); size = 0; }
      byDevice.set(reading.device, channels = new Map());
    }
    let name = channels.get(reading.channel);
    if (name === undefined) {
      name = build(reading.device, reading.channel);
      channels.set(reading.channel, name);
      size++;
    }
    return name;
  };
}
