import { isAbsolute } from "node:path";
import type { DeviceConfig } from "../../devices/index.js";
import { DEPRECATED_GPIO_KEYS, EDGES_SUFFIX } from "../../devices/gpio/schema.js";
import { NMEA_CHANNELS } from "../../devices/nmea/parse.js";
import { namedGroups } from "../../devices/serial/formats.js";
import { parseRule } from "../alerts/rules.js";
import type { ChannelConfig } from "../device-contract/index.js";
import { didYouMean } from "./suggest.js";

/**
 * The mistakes people make that the schema's types cannot see: each is a field path and a message
 * with the fix. `error`s fail the config (exit 78, nothing started); `warning`s are valid but
 * probably not meant (check prints them, run logs them).
 */
export interface Finding {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly severity: "error" | "warning";
}

interface LintInput {
  readonly xmpp: { readonly jid: string };
  readonly acl: { readonly admins: readonly string[]; readonly readers: readonly string[] };
  readonly devices: readonly DeviceConfig[];
  readonly alerts: ReadonlyArray<{ readonly when: string }>;
}

/** Channels a device can publish; `open`: it may also publish names not listed (JSON keys...). */
export function producedChannels(device: DeviceConfig): { readonly names: ReadonlySet<string>; readonly open: boolean } {
  const configured = Object.keys(device.channels ?? {});
  switch (device.driver) {
    case "simulated":
      return { names: new Set(configured), open: false };
    case "gpio":
      // Inputs that count edges also publish `<name>_edges`.
      return {
        names: new Set([...configured, ...Object.entries(device.channels).filter(([, c]) => c.countEdges && c.direction === "input").map(([n]) => `${n}${EDGES_SUFFIX}`)]),
        open: false,
      };
    case "nmea":
      return { names: new Set(NMEA_CHANNELS), open: false };
    case "ds18b20":
    case "iio":
    case "hwmon":
      // No channels configured: every sensor (channel) found is published under its own name.
      return { names: new Set(configured), open: configured.length === 0 };
    case "thermal":
      return { names: new Set(["temp"]), open: false };
    case "serial":
      switch (device.format) {
        case "sds011": return { names: new Set(["pm2_5", "pm10"]), open: false };
        case "csv": return { names: new Set([...(device.columns ?? []).filter((c) => c !== "-"), ...configured]), open: false };
        case "regex": return { names: new Set([...(device.pattern ? safeGroups(device.pattern) : []), ...configured]), open: false };
        case "frame": return { names: new Set([...Object.keys(device.frame?.fields ?? {}), ...configured]), open: false };
        default: return { names: new Set(configured), open: true };
      }
    default:
      return { names: new Set(configured), open: true };
  }
}

function safeGroups(pattern: string): string[] {
  try { return namedGroups(pattern); } catch { return []; }
}

/** Likely written for a temperature: "C" is the SenML unit of electric charge (coulomb). */
const CHARGE = /charge|coulomb/i;

export function lintConfig(config: LintInput): Finding[] {
  const findings: Finding[] = [];
  const error = (path: PropertyKey[], message: string): void => void findings.push({ path, message, severity: "error" });
  const warn = (path: PropertyKey[], message: string): void => void findings.push({ path, message, severity: "warning" });

  // A JID is user@domain; "xmpp:" is the URI form (RFC 5122) for links, not for the config.
  const jid = (path: PropertyKey[], value: string): void => {
    if (/^xmpp:/i.test(value)) error(path, `"${value}" is a URI; write the bare JID "${value.replace(/^xmpp:(\/\/)?/i, "").replace(/\?.*$/, "")}"`);
  };
  jid(["xmpp", "jid"], config.xmpp.jid);
  for (const list of ["admins", "readers"] as const) config.acl[list].forEach((value, i) => jid(["acl", list, i], value));

  config.devices.forEach((device, index) => {
    const at = (...rest: PropertyKey[]): PropertyKey[] => ["devices", index, ...rest];
    if ((device.driver === "serial" || device.driver === "nmea") && !isAbsolute(device.path)) {
      error(at("path"), `"${device.path}" is not an absolute path; a serial port is a path like "/dev/${device.path.replace(/^\.?\/?(dev\/)?/, "")}" or /dev/serial/by-id/...`);
    }
    if (device.driver === "gpio") {
      for (const [old, now] of DEPRECATED_GPIO_KEYS) {
        if (device[old] !== undefined) warn(at(old), `deprecated, still read: rename it to "${now}"`);
      }
    }
    const produced = producedChannels(device);
    for (const [name, channel] of Object.entries(device.channels ?? {}) as Array<[string, ChannelConfig]>) {
      lintChannel(channel, at("channels", name), name, error, warn);
      if (!produced.open && !produced.names.has(name) && device.driver === "serial" && device.format === "sds011") {
        error(at("channels", name), `the SDS011 gives only pm2_5 and pm10${didYouMean(name, ["pm2_5", "pm10"])}`);
      }
      if (device.driver === "ds18b20" && channel.unit !== undefined && channel.unit !== "Cel" && channel.scale === undefined && channel.offset === undefined) {
        error(at("channels", name, "unit"), `the DS18B20 reads degrees Celsius; "${channel.unit}" needs a conversion (for "K": "offset": 273.15), or use "Cel"`);
      }
    }
  });

  const devices = new Map(config.devices.map((d) => [d.id, d]));
  config.alerts.forEach((rule, index) => {
    const parsed = parseRule(rule.when);
    // Health rules on a whole device (`<device> failing`) name no channel.
    if (!parsed.ok || parsed.kind === "failing") return;
    const device = devices.get(parsed.kind === "value" ? parsed.condition.device : parsed.device);
    if (!device) return; // the schema reports an unknown device
    const { names, open } = producedChannels(device);
    const channel = parsed.kind === "value" ? parsed.condition.channel : parsed.channel;
    if (names.has(channel)) return;
    const hint = didYouMean(channel, [...names]);
    const have = names.size > 0 ? ` (it has: ${[...names].join(", ")})` : "";
    if (open) warn(["alerts", index, "when"], `"${device.id}" has no configured channel "${channel}"${hint || have}; the alert fires only if the device sends it`);
    else error(["alerts", index, "when"], `"${device.id}" has no channel "${channel}"${hint || have}`);
  });
  return findings;
}

function lintChannel(channel: ChannelConfig, path: PropertyKey[], name: string, error: (p: PropertyKey[], m: string) => void, warn: (p: PropertyKey[], m: string) => void): void {
  if (channel.validMin !== undefined && channel.validMax !== undefined && channel.validMin > channel.validMax) {
    error([...path, "validMin"], `${channel.validMin} is greater than validMax ${channel.validMax}; swap them`);
  }
  if ((channel.type === "boolean" || channel.type === "string") && channel.unit !== undefined) {
    error([...path, "unit"], `a ${channel.type} channel has no unit; remove "unit" or make the channel a number`);
  }
  if (channel.unit === "C" && !CHARGE.test(name)) {
    warn([...path, "unit"], `"C" is the coulomb (electric charge) in SenML; for degrees Celsius use "Cel"`);
  }
}
