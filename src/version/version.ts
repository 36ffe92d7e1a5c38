import { readFileSync } from "node:fs";

/**
 * The agent's version from its package.json, for Home Assistant's device `sw_version` and the
 * discovery `origin`. The file sits one level above the one-module build (dist/xmpp-iot.mjs) and
 * two or three above the source or compiled module (src/version/version.ts, dist/src/version/version.js).
 */
function readVersion(): string | undefined {
  for (const relative of ["../package.json", "../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "xmpp-iot" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not there: try the next level
    }
  }
  return undefined;
}

export const AGENT_VERSION: string | undefined = readVersion();
