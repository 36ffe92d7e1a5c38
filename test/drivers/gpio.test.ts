import { afterEach, describe, expect, it } from "vitest";
import { createGpioDevice } from "../../devices/gpio/index.js";
import type { GpioDeviceConfig } from "../../devices/gpio/schema.js";
import { createFakeGpio, type FakeGpio } from "./fake-gpio/index.js";
import { runDevice, type DeviceRun } from "./harness.js";
import { eventually } from "../harness/wait.js";

// No GPIO hardware here: these run the driver's real spawning code against FAKE gpiomon/gpioset/
// gpioget/gpiofind executables (test/drivers/fake-gpio) placed first on PATH, once with libgpiod
// v1 syntax (Debian bookworm, 1.6.3) and once with v2 syntax (trixie, 2.1.3).
describe.each([
  { version: "1.6.3" as const, major: 1 },
  { version: "2.1.3" as const, major: 2 },
])("gpio driver with FAKE libgpiod $version tools", ({ version, major }) => {
  let fake: FakeGpio | undefined;
  let run: DeviceRun | undefined;
  afterEach(async () => {
    await run?.stop();
    fake?.close();
    run = undefined;
  });

  function start(config: Record<string, unknown>, env?: NodeJS.ProcessEnv): DeviceRun {
    fake = createFakeGpio(version);
    const toolsEnv = env ?? fake.env;
    // settleMs: the fakes are node scripts that take longer to fail than the C tools.
    run = runDevice({ id: "io", driver: "gpio", reconnectMinMs: 50, reconnectMaxMs: 200, settleMs: 1500, ...config }, (context, parsed) =>
      createGpioDevice(context, parsed as GpioDeviceConfig, { env: toolsEnv }));
    return run;
  }

  it("input by name: initial level, debounced edges and an edge count; the version's syntax is used", async () => {
    const current = start({ channels: { door: { line: "GPIO17", bias: "pull-up", debounceMs: 40 } } });
    fake?.setLevel(17, true);
    await current.start();
    await eventually(() => current.readings.length === 2 && fake?.holder(17) !== undefined, "initial level and a running gpiomon");
    expect(current.lastHealth()?.state).toBe("ok");
    fake?.edge(17, "falling");
    await eventually(() => current.readings.length === 4, "the falling edge");
    // Contact bounce: three edges inside the debounce window settle to one change.
    fake?.edge(17, "rising");
    fake?.edge(17, "falling");
    fake?.edge(17, "rising");
    await eventually(() => current.readings.length === 6, "the settled rising edge");
    expect(current.values()).toEqual([
      { channel: "door", value: true },
      { channel: "door_edges", value: 0 },
      { channel: "door", value: false },
      { channel: "door_edges", value: 1 },
      { channel: "door", value: true },
      { channel: "door_edges", value: 2 },
    ]);
    expect(current.driver.stats()).toMatchObject({ libgpiodVersion: major, events: 4, badEvents: 0 });
    const monitor = fake?.calls("gpiomon")[0]?.args;
    if (major === 1) {
      expect(fake?.calls("gpiofind")[0]?.args).toEqual(["GPIO17"]);
      expect(monitor).toEqual(["-b", "-B", "pull-up", "-F", "%e %o", "gpiochip0", "17"]);
    } else {
      expect(fake?.calls("gpiofind")).toEqual([]);
      expect(monitor).toEqual(["-e", "both", "-b", "pull-up", "-p", "40ms", "-F", "%e %o", "GPIO17"]);
    }
    await current.stop();
    expect(fake?.holder(17)).toBeUndefined();
  });

  it("output: the initial value is held by a running gpioset, a write replaces it, stop releases the line", async () => {
    const current = start({ channels: { relay: { line: 27, direction: "output", initial: false } } });
    await current.start();
    await eventually(() => fake?.holder(27) !== undefined && current.readings.length === 1, "initial value held");
    expect(fake?.level(27)).toBe(false);
    const first = fake?.holder(27);
    expect(current.driver.writableChannels()).toEqual(["relay"]);
    await current.driver.write("relay", true);
    expect(fake?.level(27)).toBe(true);
    expect(fake?.holder(27)).not.toBe(first);
    expect(fake?.holder(27)).toBeDefined();
    expect(current.values()).toEqual([{ channel: "relay", value: false }, { channel: "relay", value: true }]);
    const setCall = fake?.calls("gpioset").at(-1)?.args;
    expect(setCall).toEqual(major === 1 ? ["--mode=signal", "gpiochip0", "27=1"] : ["--banner", "-c", "gpiochip0", "27=1"]);
    await expect(current.driver.write("relay", 1)).rejects.toMatchObject({ code: "BAD_INPUT" });
    await current.stop();
    expect(fake?.holder(27)).toBeUndefined();
  });

  it("permission denied says to join the gpio group, and recovers by itself once fixed", async () => {
    const current = start({ channels: { button: { line: 4, debounceMs: 0 } } });
    fake?.deny(true);
    await current.start();
    await eventually(() => current.lastHealth()?.state === "failing", "failing");
    expect(current.lastHealth()?.reason).toMatch(/permission denied .*gpio group/);
    fake?.deny(false);
    await eventually(() => current.lastHealth()?.state === "ok", "recovered");
    await expect(current.driver.write("button", true)).rejects.toMatchObject({ code: "NOT_WRITABLE" });
  });

  it("a missing line or chip is named in the health reason; a write to a failing output is refused", async () => {
    const current = start({ channels: { ghost: { line: "GPIO99" }, lamp: { line: 99, direction: "output" }, other: { line: 4, chip: "gpiochip9" } } });
    await current.start();
    // Each line reports on its own schedule: wait until both reasons are in the device's health.
    const both = (reason = ""): boolean => /GPIO chip of line 4 not found/.test(reason) && /GPIO line GPIO99 .*not found/.test(reason);
    await eventually(() => both(current.lastHealth()?.reason), "failing with both reasons");
    expect(current.lastHealth()?.state).toBe("failing");
    await expect(current.driver.write("lamp", true)).rejects.toMatchObject({ code: "DEVICE_FAILING" });
  });

  it("tools not installed: says which package to install", async () => {
    const current = start({ channels: { button: { line: 4 } } }, { ...process.env, PATH: "/nonexistent" });
    await current.start();
    await eventually(() => current.lastHealth()?.state === "failing", "failing");
    expect(current.lastHealth()?.reason).toMatch(/gpioget: not found on PATH: install the libgpiod tools: sudo apt install gpiod/);
  });
});
