import { describe, expect, it } from "vitest";
import { IotError } from "../errors/catalog.js";
import { parseRequest, toResponse } from "./control.js";

describe("MQTT command requests", () => {
  it("echoes the id and passes the other keys as input", () => {
    expect(parseRequest('{"id":"a1","device":"g","channel":"t"}')).toEqual({ id: "a1", input: { device: "g", channel: "t" } });
    expect(parseRequest('{"device":"g"}')).toEqual({ id: null, input: { device: "g" } });
    expect(parseRequest("")).toEqual({ id: null, input: {} });
  });
  it("says what is wrong with a bad request", () => {
    expect(parseRequest("{oops")).toMatchObject({ id: null, error: expect.stringMatching(/^request is not JSON/) });
    expect(parseRequest("[1]")).toMatchObject({ error: expect.stringMatching(/must be a JSON object/) });
    expect(parseRequest("42")).toMatchObject({ error: expect.stringMatching(/must be a JSON object/) });
  });
  it("maps registry results to {id, status, data | error}", () => {
    expect(toResponse(7, { status: "ok", data: { v: 1 }, text: "v=1" })).toEqual({ id: 7, status: "ok", data: { v: 1 } });
    expect(toResponse("x", { status: "error", error: new IotError("FORBIDDEN", "set is for admins only") }))
      .toEqual({ id: "x", status: "error", error: "set is for admins only", code: "FORBIDDEN" });
  });
});
