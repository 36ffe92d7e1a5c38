import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { spawnCli } from "../harness/cli.js";

describe("xmpp-iot demo (the embedded default)", () => {
  it("shows live readings from the simulated devices and leaves no process or file behind", async () => {
    const demo = spawnCli(["demo", "--duration", "4"]);
    expect(await demo.exited).toBe(0);
    const output = demo.output();
    expect(output).toMatch(/chat client: {2}log in as demo@localhost, password \S+, server 127\.0\.0\.1 port \d+/);
    const temperatures = [...output.matchAll(/^greenhouse\/temperature +(-?\d+(?:\.\d+)?) Cel +age (\d+\.\d+)s$/gm)];
    expect(temperatures.length).toBeGreaterThanOrEqual(2);
    for (const [, value, age] of temperatures) {
      expect(Number(value)).toBeGreaterThanOrEqual(15);
      expect(Number(value)).toBeLessThanOrEqual(30);
      expect(Number(age)).toBeLessThan(2);
    }
    expect(output).toMatch(/^greenhouse\/lamp +false/m);
    expect(output).toMatch(/stopping: \d+ readings received by the watcher/);

    const dir = /removes (\/\S+)\)/.exec(output)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
    const leftover = spawnSync("pgrep", ["-f", `${dir}/prosody.cfg.lua`], { encoding: "utf8" });
    expect(leftover.stdout.trim()).toBe("");
  });
});
