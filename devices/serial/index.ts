import { IotError } from "../../src/errors/catalog.js";
import { createGarbageLog } from "../serial-port/garbage-log.js";
import { createLineFramer } from "../serial-port/line-framer.js";
import { createDriverPort } from "../serial-port/driver-port.js";
import type { SerialBinding } from "../serial-port/port.js";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { createCsvParser, createRegexParser, parseJsonLine, parseKvLine, renderTemplate, type LineParser } from "./formats.js";
import type { SerialDeviceConfig } from "./schema.js";
import { createSds011Scanner } from "./sds011.js";
import { createFrameScanner } from "./frame.js";

export { serialDeviceSchema } from "./schema.js";

export interface SerialDriverSeams {
  /** node-serialport binding; the real one (bindings-cpp) when absent. */
  readonly binding?: SerialBinding;
}

function lineParser(options: SerialDeviceConfig): LineParser {
  switch (options.format) {
    case "kv": return parseKvLine;
    case "csv": return createCsvParser(options.columns ?? [], options.delimiter);
    case "regex": return createRegexParser(options.pattern ?? "");
    default: return parseJsonLine;
  }
}

/**
 * Line-oriented serial sensors (json, kv, csv, regex), the SDS011 and configurable binary frames,
 * on a port that reopens itself after an unplug. Bad input is counted and logged at a bounded rate.
 */
export function createSerialDevice(context: DriverContext, options: SerialDeviceConfig, seams: SerialDriverSeams = {}): DeviceDriver {
  const counters = { lines: 0, garbageLines: 0, overflows: 0, badValues: 0, frames: 0, badChecksums: 0, garbageBytes: 0, replies: 0, writes: 0 };
  const garbage = createGarbageLog(context.log);
  const writable = Object.entries(options.channels).filter(([, c]) => c.writable === true).map(([name]) => name);


  const parse = lineParser(options);
  const framer = createLineFramer({
    maxLineLength: options.maxLineLength,
    onLine: (line) => {
      if (line.trim() === "") return;
      counters.lines++;
      const result = parse(line);
      if (!result.ok) {
        counters.garbageLines++;
        garbage.report(result.reason, line);
        return;
      }
      if (result.badFields > 0) {
        counters.badValues += result.badFields;
        garbage.report("badField", line);
      }
      const time = Date.now() / 1000;
      for (const [channel, value] of result.values) context.emit({ channel, value, time });
    },
    onOverflow: (bytes) => {
      counters.overflows++;
      garbage.report("lineTooLong", `more than ${options.maxLineLength} bytes without a newline (${bytes} so far)`);
    },
  });

  const scanner = createSds011Scanner({
    onFrame: (frame) => {
      if (frame.kind === "badChecksum") {
        counters.badChecksums++;
        garbage.report("badChecksum", "SDS011 frame with a wrong checksum");
      } else if (frame.kind === "reply") {
        counters.replies++;
      } else {
        counters.frames++;
        const time = Date.now() / 1000;
        context.emit({ channel: "pm2_5", value: frame.measurement.pm2_5, time });
        context.emit({ channel: "pm10", value: frame.measurement.pm10, time });
      }
    },
    onGarbage: (bytes) => {
      counters.garbageBytes += bytes;
      garbage.report("garbageBytes", `${bytes} bytes outside SDS011 frames`);
    },
  });

  const frames = options.frame === undefined ? undefined : createFrameScanner(options.frame, {
    onValues: (values) => {
      counters.frames++;
      const time = Date.now() / 1000;
      for (const [channel, value] of values) context.emit({ channel, value, time });
    },
    onBadChecksum: () => {
      counters.badChecksums++;
      garbage.report("badChecksum", "frame with a wrong checksum");
    },
    onGarbage: (bytes) => {
      counters.garbageBytes += bytes;
      garbage.report("garbageBytes", `${bytes} bytes outside frames`);
    },
  });
  // One byte-stream consumer per format: lines, SDS011 frames or configured frames.
  const consumer = frames ?? (options.format === "sds011" ? scanner : framer);
  const { port, start, stop } = createDriverPort(context, options, consumer, seams.binding);

  return {
    start,
    stop,
    writableChannels: () => writable,
    async write(channel, value) {
      const config = options.channels[channel];
      if (!config) throw new IotError("UNKNOWN_CHANNEL", `${options.id} has no channel "${channel}"`);
      if (config.writable !== true) throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is not writable`);
      const template = config.writeTemplate ?? options.writeTemplate;
      if (template === undefined) throw new IotError("NOT_WRITABLE", `${options.id}/${channel} has no writeTemplate`);
      if (!port.isOpen()) throw new IotError("DEVICE_FAILING", `${options.id}: ${options.path} is not open; the write was not sent`);
      await port.write(renderTemplate(template, { device: options.id, channel, value }));
      counters.writes++;
    },
    stats: () => ({ ...counters, ...port.stats() }),
    // A value the channel cannot hold ("hot" for a Cel channel) is garbage off the wire, not a reading.
    badValue(channel, reason) {
      counters.badValues++;
      garbage.report("badValue", `${channel}: ${reason}`);
    },
  };
}
