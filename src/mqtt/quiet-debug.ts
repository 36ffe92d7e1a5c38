import { createRequire, Module } from "node:module";

/** Marks the stand-in, so a test (and a curious reader of `require.cache`) can tell it from the real one. */
export const QUIET_DEBUG = Symbol.for("xmpp-iot.quiet-debug");

interface QuietDebug {
  (namespace: string): QuietLogger;
  enable(namespaces: string): void;
  disable(): string;
  enabled(namespace: string): boolean;
  readonly [QUIET_DEBUG]: true;
}
interface QuietLogger {
  (): void;
  readonly enabled: false;
  readonly namespace: string;
  extend(suffix: string, delimiter?: string): QuietLogger;
  destroy(): boolean;
  log(): void;
}

const nothing = (): void => undefined;

function logger(namespace: string): QuietLogger {
  // Declared without parameters: a call with arguments allocates nothing.
  const log = function quietDebug(): void {} as unknown as QuietLogger;
  return Object.assign(log, {
    enabled: false as const,
    namespace,
    extend: (suffix: string, delimiter = ":") => logger(namespace + delimiter + suffix),
    destroy: () => false,
    log: nothing,
  });
}

const quietDebug: QuietDebug = Object.assign(logger as (namespace: string) => QuietLogger, {
  enable: nothing,
  disable: () => "",
  enabled: () => false,
  [QUIET_DEBUG]: true as const,
});

/**
 * mqtt.js and mqtt-packet log through the `debug` package about fifteen times per publish and its
 * PUBACK (the packet parser alone has 46 call sites). Switched off, each call still builds its
 * rest-argument array and asks an `enabled` getter; without the optimizing compiler (the unit's
 * `--no-opt`) that was over a third of all the bytes the bridge allocated per reading (V8's
 * sampling heap profiler with collected objects included), and every allocation brings the next
 * young-generation collection closer. Unless DEBUG is set (DEBUG=mqttjs* keeps their logging),
 * the `debug` module those two packages resolve to is, before they load, a stand-in whose loggers
 * do nothing. Nothing changes once the real one is loaded, or with DEBUG set.
 */
export function quietMqttDebug(env: NodeJS.ProcessEnv = process.env): void {
  if (env["DEBUG"]) return;
  const require = createRequire(import.meta.url);
  const paths = new Set<string>();
  try {
    const fromMqtt = createRequire(require.resolve("mqtt"));
    paths.add(fromMqtt.resolve("debug"));
    paths.add(createRequire(fromMqtt.resolve("mqtt-packet")).resolve("debug"));
  } catch {
    return; // a layout this does not know: mqtt.js keeps its own `debug`
  }
  for (const path of paths) {
    if (require.cache[path]) continue; // loaded already: its loggers are in use, leave them
    const stub = new Module(path);
    stub.filename = path;
    stub.loaded = true;
    stub.exports = quietDebug;
    require.cache[path] = stub;
  }
}
