import { describe, expect, it } from "vitest";
import { cachedDestination } from "./destination-cache.js";

describe("cachedDestination", () => {
  it("builds each channel's destination once and returns the same string after", () => {
    let built = 0;
    const destination = cachedDestination((device, channel) => { built++; return `sensors/${device}/${channel}`; });
    expect(destination({ device: "greenhouse", channel: "temperature" })).toBe("sensors/greenhouse/temperature");
    expect(destination({ device: "greenhouse", channel: "temperature" })).toBe("sensors/greenhouse/temperature");
    expect(destination({ device: "greenhouse", channel: "humidity" })).toBe("sensors/greenhouse/humidity");
    expect(built).toBe(2);
  });

  it("stays bounded: past its size it starts over and still answers right", () => {
    let built = 0;
    const destination = cachedDestination((device, channel) => { built++; return `${device}/${channel}`; });
    for (let i = 0; i < 5000; i++) expect(destination({ device: `d${i}`, channel: "c" })).toBe(`d${i}/c`);
    expect(destination({ device: "d0", channel: "c" })).toBe("d0/c");
    expect(built).toBe(5001);
  });
});
