import { describe, expect, it } from "vitest";
import { withoutCredentials } from "./client.js";
import { filterProblem, topicMatches, topicProblem, wildcardLevels } from "./topics.js";

describe("topicMatches (MQTT 3.1.1 section 4.7)", () => {
  it.each([
    ["a/b/c", "a/b/c", true],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["a/#", "a", true],
    ["a/#", "a/b/c", true],
    ["#", "a/b", true],
    ["+/b", "a/b", true],
    ["+", "a/b", false],
    ["a/b", "a/b/c", false],
    ["a/b/c", "a/b", false],
    ["+/+", "/x", true],
    ["#", "$SYS/broker", false],
    ["+/broker", "$SYS/broker", false],
    ["$SYS/#", "$SYS/broker", true],
  ])("%s ~ %s = %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe("filter and topic validation", () => {
  it("accepts good filters", () => {
    expect(filterProblem("tele/+/SENSOR")).toBeUndefined();
    expect(filterProblem("a/#")).toBeUndefined();
  });
  it("names what is wrong", () => {
    expect(filterProblem("a/#/b")).toMatch(/'#'/);
    expect(filterProblem("a/b#")).toMatch(/'#'/);
    expect(filterProblem("a/b+")).toMatch(/'\+'/);
    expect(filterProblem("")).toMatch(/empty/);
    expect(topicProblem("a/+")).toMatch(/must not contain/);
    expect(topicProblem("a/b")).toBeUndefined();
  });
  it("extracts wildcard levels", () => {
    expect(wildcardLevels("p/+/+/set", "p/greenhouse/lamp/set")).toEqual(["greenhouse", "lamp"]);
  });
});

describe("URLs in logs", () => {
  it("drops credentials given in the URL", () => {
    expect(withoutCredentials("mqtt://user:s3cret@broker.lan:1883")).toBe("mqtt://broker.lan:1883");
    expect(withoutCredentials("wss://broker.lan/mqtt")).toBe("wss://broker.lan/mqtt");
  });
});
