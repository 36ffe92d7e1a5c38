import { describe, expect, it } from "vitest";
import { createLineFramer } from "./line-framer.js";

function collect(maxLineLength: number) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const framer = createLineFramer({ maxLineLength, onLine: (l) => lines.push(l), onOverflow: (n) => overflows.push(n) });
  return { framer, lines, overflows };
}

describe("line framer", () => {
  it("splits lines across chunks and strips CR", () => {
    const { framer, lines } = collect(64);
    framer.push(Buffer.from("t=1 h=2\r\nt=3"));
    framer.push(Buffer.from(" h=4\n\n"));
    expect(lines).toEqual(["t=1 h=2", "t=3 h=4", ""]);
    expect(framer.buffered).toBe(0);
  });

  it("drops a line longer than the bound, never holds more than the bound, and keeps the next line", () => {
    const { framer, lines, overflows } = collect(1024);
    const noise = Buffer.alloc(200 * 1024, 0x41);
    for (let i = 0; i < noise.length; i += 4096) {
      framer.push(noise.subarray(i, i + 4096));
      expect(framer.buffered).toBeLessThanOrEqual(1024);
    }
    expect(overflows).toHaveLength(1);
    framer.push(Buffer.from('\n{"t":1}\n'));
    expect(lines).toEqual(['{"t":1}']);
  });

  it("reset forgets a partial line", () => {
    const { framer, lines } = collect(64);
    framer.push(Buffer.from("half"));
    framer.reset();
    framer.push(Buffer.from("whole\n"));
    expect(lines).toEqual(["whole"]);
  });
});

describe("port error reasons", () => {
  it("permission denied says to join dialout; a missing port says unplugged", async () => {
    const { describePortError } = await import("./port.js");
    expect(describePortError("/dev/ttyUSB0", new Error("Error: Permission denied, cannot open /dev/ttyUSB0"))).toBe(
      "permission denied on /dev/ttyUSB0: add the user to the dialout group (sudo usermod -aG dialout $USER) and log in again",
    );
    expect(describePortError("/dev/ttyUSB0", new Error("Error: No such file or directory, cannot open /dev/ttyUSB0"))).toMatch(/^\/dev\/ttyUSB0 not found \(unplugged\?\)/);
  });
});
