/**
 * The hwmon sysfs ABI (Documentation/hwmon/sysfs-interface.rst): `<type><N>_input` per sensor,
 * in fixed units: temp millidegree Celsius, in millivolt, curr milliampere, power and energy
 * micro-watt/-joule, humidity milli-percent, fan RPM. An optional `<type><N>_label` names it.
 */
interface UnitRule { readonly unit: string; readonly factor: number }

const UNITS: Readonly<Record<string, UnitRule>> = {
  temp: { unit: "Cel", factor: 1 / 1000 },
  in: { unit: "V", factor: 1 / 1000 },
  curr: { unit: "A", factor: 1 / 1000 },
  power: { unit: "W", factor: 1 / 1_000_000 },
  energy: { unit: "J", factor: 1 / 1_000_000 },
  humidity: { unit: "%RH", factor: 1 / 1000 },
  fan: { unit: "1/min", factor: 1 },
};

export interface HwmonChannel {
  /** `temp1`, `humidity1`, `in0`: the attribute name without `_input`. */
  readonly name: string;
  readonly file: string;
  readonly unit: string;
  readonly factor: number;
}

const INPUT = /^(temp|in|curr|power|energy|humidity|fan)(\d+)_input$/;

export function listHwmonChannels(files: readonly string[]): HwmonChannel[] {
  const channels: HwmonChannel[] = [];
  for (const file of files) {
    const match = INPUT.exec(file);
    const rule = match?.[1] !== undefined ? UNITS[match[1]] : undefined;
    if (!match || !rule) continue;
    channels.push({ name: `${match[1]}${match[2]}`, file, ...rule });
  }
  return channels.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

export function hwmonUnit(name: string): string | undefined {
  return UNITS[/^[a-z]+/.exec(name)?.[0] ?? ""]?.unit;
}
