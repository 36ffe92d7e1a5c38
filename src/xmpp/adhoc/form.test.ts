import { describe, expect, it } from "vitest";
import { stageForm } from "./form.js";

const NS_VALIDATE = "http://jabber.org/protocol/xdata-validate";

describe("ad-hoc stage forms", () => {
  it("bound number fields carry a XEP-0122 range, unbounded ones basic validation", () => {
    const form = stageForm("Set", "Step 2 of 2", [
      { name: "value", label: "New value", kind: "number", required: true, min: 5, max: 35 },
      { name: "low", label: "Low", kind: "number", required: false, min: 0 },
      { name: "free", label: "Free", kind: "number", required: false },
    ], {});
    const [value, low, free] = form.getChildren("field").map((f) => f.getChild("validate", NS_VALIDATE)!);
    expect(value!.attrs["datatype"]).toBe("xs:double");
    expect(value!.getChild("range")!.attrs).toMatchObject({ min: "5", max: "35" });
    expect(low!.getChild("range")!.attrs["min"]).toBe("0");
    expect(low!.getChild("range")!.attrs["max"]).toBeUndefined();
    expect(free!.getChild("range")).toBeUndefined();
    expect(free!.getChild("basic")).toBeDefined();
  });
});
