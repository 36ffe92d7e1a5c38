import { describe, expect, it } from "vitest";
import { describeToolError, getArgs, monitorArgs, parseGetOutput, parseGpiofind, parseMonitorLine, parseToolsVersion, setArgs } from "./tools.js";

describe("libgpiod tool syntax", () => {
  it("detects v1 and v2 from --version", () => {
    expect(parseToolsVersion("gpioget (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski")).toBe(1);
    expect(parseToolsVersion("gpioget (libgpiod) v2.1.3\nCopyright (C) 2017-2023 Bartosz Golaszewski")).toBe(2);
    expect(parseToolsVersion("bash: gpioget: command not found")).toBeUndefined();
  });

  it("builds v1 command lines (offsets on a chip, --mode=signal)", () => {
    const ref = { chip: "gpiochip0", line: "17" };
    expect(monitorArgs(1, ref, { activeLow: true, bias: "pull-up" }, 20)).toEqual(["-b", "-l", "-B", "pull-up", "-F", "%e %o", "gpiochip0", "17"]);
    expect(getArgs(1, ref, { activeLow: false })).toEqual(["gpiochip0", "17"]);
    expect(setArgs(1, ref, { activeLow: false }, true)).toEqual(["--mode=signal", "gpiochip0", "17=1"]);
    expect(() => monitorArgs(1, { line: "GPIO17" }, { activeLow: false }, 0)).toThrow(/chip and an offset/);
    expect(parseGpiofind("gpiochip0 17\n")).toEqual({ chip: "gpiochip0", line: "17" });
  });

  it("builds v2 command lines (-c chip, -e both, names allowed, kernel debounce)", () => {
    expect(monitorArgs(2, { line: "GPIO17" }, { activeLow: false, bias: "pull-down" }, 20)).toEqual(["-e", "both", "-b", "pull-down", "-p", "20ms", "-F", "%e %o", "GPIO17"]);
    expect(getArgs(2, { chip: "gpiochip0", line: "17" }, { activeLow: true })).toEqual(["-c", "gpiochip0", "-l", "17"]);
    expect(setArgs(2, { chip: "gpiochip0", line: "27" }, { activeLow: false }, false)).toEqual(["--banner", "-c", "gpiochip0", "27=0"]);
  });

  it("parses events and values of both versions", () => {
    expect([parseMonitorLine(1, "1 17"), parseMonitorLine(1, "0 17"), parseMonitorLine(1, "2 17")]).toEqual([{ level: true }, { level: false }, undefined]);
    expect([parseMonitorLine(2, "1 17"), parseMonitorLine(2, "2 17"), parseMonitorLine(2, "0 17")]).toEqual([{ level: true }, { level: false }, undefined]);
    expect([parseGetOutput("1\n"), parseGetOutput('"17"=inactive\n'), parseGetOutput("GPIO17=active"), parseGetOutput("?")]).toEqual([true, false, true, undefined]);
  });

  it("turns errors into advice", () => {
    expect(describeToolError("gpiomon", "gpiomon: unable to open chip '/dev/gpiochip0': Permission denied\n", "GPIO17")).toMatch(/gpio group/);
    expect(describeToolError("gpiomon", "gpiomon: cannot find line 'GPIO99'\n", "GPIO99")).toMatch(/GPIO line GPIO99 not found .*gpioinfo/);
    expect(describeToolError("gpioset", "gpioset: unable to request lines: Device or resource busy", "17")).toMatch(/in use/);
    expect(describeToolError("gpioget", "gpioget: unable to open chip '/dev/gpiochip9': No such file or directory", "4")).toMatch(/GPIO chip of line 4 not found .*gpiodetect/);
  });
});
