import { z } from "zod";
import type { DeviceDriver, DriverContext, DriverFactory } from "../src/device-contract/index.js";
import { createSimulatedDevice, simulatedDeviceSchema } from "./simulated/index.js";
import { createSerialDevice, serialDeviceSchema } from "./serial/index.js";
import { createNmeaDevice, nmeaDeviceSchema } from "./nmea/index.js";
import { createDs18b20Device, ds18b20DeviceSchema } from "./ds18b20/index.js";
import { createGpioDevice, gpioDeviceSchema } from "./gpio/index.js";
import { createMqttDevice, mqttDeviceSchema } from "./mqtt/index.js";
import { createIioDevice, iioDeviceSchema } from "./iio/index.js";
import { createHwmonDevice, hwmonDeviceSchema } from "./hwmon/index.js";
import { createThermalDevice, thermalDeviceSchema } from "./thermal/index.js";

/**
 * The driver catalog: the config's discriminated union on `driver` and the factory for each.
 * Adding a driver = one schema in the union + one factory in `factories`.
 */
export const deviceSchema = z.discriminatedUnion("driver", [simulatedDeviceSchema, serialDeviceSchema, nmeaDeviceSchema, ds18b20DeviceSchema, gpioDeviceSchema, mqttDeviceSchema,
  iioDeviceSchema, hwmonDeviceSchema, thermalDeviceSchema]);

export type DeviceConfig = z.infer<typeof deviceSchema>;
export type DriverName = DeviceConfig["driver"];

const factories: { [K in DriverName]: DriverFactory<Extract<DeviceConfig, { driver: K }>> } = {
  simulated: createSimulatedDevice,
  serial: (context, options) => createSerialDevice(context, options),
  nmea: (context, options) => createNmeaDevice(context, options),
  ds18b20: createDs18b20Device,
  gpio: (context, options) => createGpioDevice(context, options),
  mqtt: createMqttDevice,
  iio: createIioDevice,
  hwmon: createHwmonDevice,
  thermal: createThermalDevice,
};

export function createDriver(context: DriverContext, config: DeviceConfig): DeviceDriver {
  const factory = factories[config.driver] as DriverFactory<DeviceConfig>;
  return factory(context, config);
}
