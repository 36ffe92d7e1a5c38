import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { WatchedReading } from "../watch/watcher.js";

export interface DemoLogin {
  readonly listen: string;
  readonly port: number;
  readonly domain: string;
  readonly password: string;
  readonly agentJid: string;
  readonly pubsubJid: string;
  readonly certificateFile: string;
  readonly dir: string;
}

/** `AB:CD:...` as phone apps show a certificate's SHA-256 fingerprint. */
export function certificateFingerprint(file: string): string {
  return new X509Certificate(readFileSync(file)).fingerprint256;
}

/** Addresses a phone on the same network can use: the listen address, or this host's LAN addresses for a wildcard. */
export function reachableAddresses(listen: string): string[] {
  if (listen !== "0.0.0.0" && listen !== "::" && listen !== "*") return [listen];
  const lan = Object.values(networkInterfaces()).flatMap((list) => list ?? [])
    .filter((a) => !a.internal && (listen === "::" || a.family === "IPv4")).map((a) => a.address);
  return lan.length > 0 ? lan : ["127.0.0.1"];
}

/** The login block: everything a phone or desktop client needs, in the order the apps ask for it. */
export function loginBlock(login: DemoLogin): string {
  const hosts = reachableAddresses(login.listen);
  const loopbackOnly = hosts.every((h) => h === "127.0.0.1" || h === "::1");
  const fingerprint = certificateFingerprint(login.certificateFile);
  return [
    "┌─ xmpp-iot demo: log in with any XMPP app ─────────────────────────────────",
    `│ account   demo@${login.domain}    password ${login.password}`,
    `│ server    ${hosts.join(" or ")}    port ${login.port}    (the app's advanced/host settings)`,
    `│ TLS       self-signed; trust it when the fingerprint matches:`,
    `│           SHA-256 ${fingerprint}`,
    `│           (or install ${login.certificateFile} as a trusted certificate)`,
    `│ then      add the contact ${login.agentJid} (or scan the QR code) and send: help`,
    ...(loopbackOnly ? ["│ phone     only this computer can connect; for a phone on your network: demo --listen 0.0.0.0"] : []),
    "└────────────────────────────────────────────────────────────────────────────",
  ].join("\n");
}

/** One line per device: its channels' latest values and how many readings came since the last line. */
export function summaryLines(latest: ReadonlyMap<string, WatchedReading>, counts: Map<string, number>): string[] {
  const byDevice = new Map<string, WatchedReading[]>();
  for (const r of latest.values()) byDevice.set(r.device, [...(byDevice.get(r.device) ?? []), r]);
  const value = (r: WatchedReading): string => `${typeof r.value === "number" ? Math.round(r.value * 100) / 100 : String(r.value)}${r.unit !== undefined ? ` ${r.unit}` : ""}`;
  const lines = [...byDevice].map(([device, readings]) =>
    `${device.padEnd(12)} ${readings.map((r) => `${r.channel} ${value(r)}`).join(" · ")}  (${counts.get(device) ?? 0} new)`);
  counts.clear();
  return lines;
}
