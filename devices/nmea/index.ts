import { IotError } from "../../src/errors/catalog.js";
import { createGarbageLog } from "../serial-port/garbage-log.js";
import { createLineFramer } from "../serial-port/line-framer.js";
import { createDriverPort } from "../serial-port/driver-port.js";
import type { SerialBinding } from "../serial-port/port.js";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { parseNmea } from "./parse.js";
import type { NmeaDeviceConfig } from "./schema.js";

export { nmeaDeviceSchema } from "./schema.js";

/**
 * A GPS receiver on a serial port (USB dongle or the Pi's UART). GGA and RMC become lat, lon,
 * alt, speed, fix and satellites; sentences with a bad checksum are counted, never published.
 */
export function createNmeaDevice(context: DriverContext, options: NmeaDeviceConfig, seams: { binding?: SerialBinding } = {}): DeviceDriver {
  const counters = { sentences: 0, gga: 0, rmc: 0, ignored: 0, badChecksums: 0, malformed: 0, overflows: 0 };
  const garbage = createGarbageLog(context.log);

  const framer = createLineFramer({
    maxLineLength: options.maxLineLength,
    onLine: (line) => {
      if (line.trim() === "") return;
      const result = parseNmea(line);
      if (result.kind === "bad") {
        counters[result.reason === "badChecksum" ? "badChecksums" : "malformed"]++;
        garbage.report(result.reason, line);
        return;
      }
      counters.sentences++;
      if (result.kind === "ignored") {
        counters.ignored++;
        return;
      }
      if (result.sentence === "GGA") counters.gga++;
      else counters.rmc++;
      const time = Date.now() / 1000;
      for (const [channel, value] of result.values) context.emit({ channel, value, time });
    },
    onOverflow: (bytes) => {
      counters.overflows++;
      garbage.report("lineTooLong", `${bytes} bytes without a newline`);
    },
  });

  const { port, start, stop } = createDriverPort(context, options, framer, seams.binding);

  return {
    start,
    stop,
    writableChannels: () => [],
    async write(channel) {
      throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is a GPS reading and cannot be set`);
    },
    stats: () => ({ ...counters, ...port.stats() }),
  };
}
