import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { createReopeningPort, type PortOptions, type ReopeningPort, type SerialBinding } from "./port.js";

/** What reads the bytes off the port: a line framer or a frame scanner. */
export interface ByteConsumer {
  push(chunk: Buffer): void;
  /** Drop a partial line or frame. */
  reset(): void;
}

export interface DriverPort extends Pick<DeviceDriver, "start" | "stop"> {
  readonly port: ReopeningPort;
}

/**
 * The port side of every serial driver (serial, nmea): a port that reopens itself after an unplug,
 * feeding one byte consumer, with the driver's start and stop around it.
 */
export function createDriverPort(context: DriverContext, options: PortOptions, consumer: ByteConsumer, binding?: SerialBinding): DriverPort {
  const port = createReopeningPort(
    {
      log: context.log,
      setHealth: context.setHealth,
      onData: (chunk) => consumer.push(chunk),
      // A partial line or frame from before an unplug must not glue onto the first new one.
      onOpen: () => consumer.reset(),
      ...(binding ? { binding } : {}),
    },
    options,
  );
  return {
    port,
    async start(signal) {
      context.setHealth({ state: "starting" });
      port.start(signal);
    },
    async stop() {
      await port.stop();
      context.setHealth({ state: "stopped" });
    },
  };
}
