/**
 * The Linux IIO sysfs ABI (Documentation/ABI/testing/sysfs-bus-iio): a device directory holds
 * `in_<type>[N][_<modifier>]_input` (processed) or `_raw` with `_scale` and `_offset`, per channel
 * or shared by type (`in_voltage_scale`). value = (raw + offset) x scale, in the type's ABI unit.
 * This module maps file names to channels and ABI units to SenML units (RFC 8428 section 12.1).
 */
export interface IioChannel {
  /** The IIO name without `in_` and `_input`/`_raw`: `temp`, `voltage0`, `illuminance_ir`. */
  readonly name: string;
  /** `in_temp_input` when the driver gives a processed value, else the `_raw` file. */
  readonly file: string;
  readonly processed: boolean;
  readonly scaleFile?: string;
  readonly offsetFile?: string;
}

/** ABI unit of a channel type -> SenML unit and the factor from ABI unit to SenML unit. */
interface UnitRule { readonly unit: string; readonly factor: number }

const UNITS: Readonly<Record<string, UnitRule>> = {
  temp: { unit: "Cel", factor: 1 / 1000 }, // milli degrees Celsius
  humidityrelative: { unit: "%RH", factor: 1 / 1000 }, // milli percent
  pressure: { unit: "Pa", factor: 1000 }, // kilopascal
  illuminance: { unit: "lx", factor: 1 }, // lux
  voltage: { unit: "V", factor: 1 / 1000 }, // millivolts
  altvoltage: { unit: "V", factor: 1 / 1000 },
  current: { unit: "A", factor: 1 / 1000 }, // milliamps
  power: { unit: "W", factor: 1 / 1000 }, // milliwatts
  resistance: { unit: "Ohm", factor: 1 }, // ohms
  accel: { unit: "m/s2", factor: 1 }, // m/s^2
  distance: { unit: "m", factor: 1 }, // meters
  concentration: { unit: "%", factor: 1 }, // percent
  electricalconductivity: { unit: "S/m", factor: 1 }, // siemens per meter
  ph: { unit: "pH", factor: 1 },
};

/** The channel type: leading letters of the name (`voltage0-voltage1` -> `voltage`). */
export function channelType(name: string): string {
  return /^[a-z]+/.exec(name)?.[0] ?? name;
}

/** SenML unit and conversion factor for an IIO channel; unknown types pass through unitless. */
export function unitOf(name: string): UnitRule | undefined {
  return UNITS[channelType(name)];
}

const CHANNEL_FILE = /^in_(.+)_(input|raw)$/;

/**
 * The readable channels among a device directory's file names. `_input` wins over `_raw` for the
 * same channel; scale/offset are looked up per channel first, then shared by index-less name,
 * then by type (the ABI's "shared_by_type").
 */
export function listChannels(files: readonly string[]): IioChannel[] {
  const present = new Set(files);
  const byName = new Map<string, IioChannel>();
  for (const file of [...files].sort()) {
    const match = CHANNEL_FILE.exec(file);
    if (!match?.[1]) continue;
    const name = match[1];
    const processed = match[2] === "input";
    const existing = byName.get(name);
    if (existing?.processed) continue;
    const candidates = [...new Set([name, name.replace(/\d+/g, ""), channelType(name)])];
    const find = (suffix: string): string | undefined => candidates.map((c) => `in_${c}_${suffix}`).find((f) => present.has(f));
    const scaleFile = processed ? undefined : find("scale");
    const offsetFile = processed ? undefined : find("offset");
    byName.set(name, { name, file, processed, ...(scaleFile ? { scaleFile } : {}), ...(offsetFile ? { offsetFile } : {}) });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/** (raw + offset) x scale in the ABI unit, then to the SenML unit; `_input` is already processed. */
export function convert(name: string, value: number, scale = 1, offset = 0, processed = false): number {
  const abi = processed ? value : (value + offset) * scale;
  return abi * (unitOf(name)?.factor ?? 1);
}

/**
 * What `dtoverlay=` line makes the kernel create a device of this name on a Raspberry Pi
 * (arch/arm/boot/dts/overlays/README): most sensors are parameters of `i2c-sensor`.
 */
const I2C_SENSOR_PARAMS = new Set([
  "bme280", "bmp280", "bmp180", "bmp085", "bme680", "bh1750", "htu21", "si7020", "sht3x", "sht4x",
  "aht10", "hdc100x", "lm75", "tmp102", "ds1621", "hih6130", "jc42", "mcp980x", "tsl4531", "veml6070",
  "ccs811", "sgp30", "max17040", "ina238", "adt7410", "bno055", "tmp117",
]);

export function overlayHint(deviceName: string): string {
  const name = deviceName.toLowerCase();
  if (/^ads1[01]1[05]$/.test(name)) return "dtoverlay=ads1115 (or ads1015) in /boot/firmware/config.txt, then reboot";
  if (I2C_SENSOR_PARAMS.has(name)) return `dtparam=i2c_arm=on and dtoverlay=i2c-sensor,${name} (add ,addr=0x77 for the other address) in /boot/firmware/config.txt, then reboot`;
  return `the dtoverlay for ${deviceName} in /boot/firmware/config.txt (e.g. dtoverlay=i2c-sensor,${name}; see docs/drivers.md), then reboot`;
}

export const I2C_WIRING = "wiring: SDA to GPIO2 (pin 3), SCL to GPIO3 (pin 5), 3.3 V and GND";
