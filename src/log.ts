import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths pino censors wherever they appear in a log object: passwords and credentials never reach
 * a log, even at debug level (a test proves it).
 */
export const REDACT_PATHS = [
  "password",
  "passwordFile",
  "credentials",
  "*.password",
  "*.credentials",
  "*.*.password",
  "config.xmpp.password",
  "config.mqtt.password",
  "secret",
  "*.secret",
];

export interface LogOptions {
  readonly level: string;
  readonly name?: string;
}

export function createLogger(options: LogOptions, destination?: DestinationStream): Logger {
  const settings = {
    level: options.level,
    name: options.name ?? "xmpp-iot",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: null,
  };
  return destination ? pino(settings, destination) : pino(settings, pino.destination({ dest: 2, sync: true }));
}
