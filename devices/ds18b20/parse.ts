/**
 * The w1_therm kernel driver's `w1_slave` file: the scratchpad bytes with the CRC verdict, then the
 * same bytes with the temperature in millidegrees:
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 */
export type W1Result =
  | { readonly ok: true; readonly celsius: number; readonly powerOnValue: boolean }
  | { readonly ok: false; readonly reason: "crc" | "format" };

/** 85 °C is what the scratchpad holds after power-on before a conversion ran (datasheet). */
export const POWER_ON_MILLIDEGREES = 85000;

export function parseW1Slave(text: string): W1Result {
  const [crcLine = "", valueLine = ""] = text.split("\n");
  const crc = /crc=[0-9a-f]{2} (YES|NO)\s*$/i.exec(crcLine);
  if (!crc) return { ok: false, reason: "format" };
  if (crc[1]?.toUpperCase() !== "YES") return { ok: false, reason: "crc" };
  const value = /t=(-?\d+)\s*$/.exec(valueLine);
  if (!value?.[1]) return { ok: false, reason: "format" };
  const milli = Number(value[1]);
  return { ok: true, celsius: milli / 1000, powerOnValue: milli === POWER_ON_MILLIDEGREES };
}

export const SENSOR_ID = /^28-[0-9a-f]{12}$/;
