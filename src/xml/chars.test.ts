import { describe, expect, it } from "vitest";
import { forbiddenXmlChar, replaceForbiddenXmlChars } from "./chars.js";

describe("characters XML 1.0 cannot carry", () => {
  it("finds C0 controls, U+FFFE/U+FFFF and lone surrogates, and allows tab, LF, CR and astral characters", () => {
    expect(forbiddenXmlChar("a\u0001b")).toBe("U+0001");
    expect(forbiddenXmlChar("x\u001b[0m")).toBe("U+001B");
    expect(forbiddenXmlChar("\uFFFF")).toBe("U+FFFF");
    expect(forbiddenXmlChar("half \uD800 a pair")).toBe("U+D800");
    expect(forbiddenXmlChar("tab\tLF\nCR\r ok \u00e9 \u{1F600} \uFFFD")).toBeUndefined();
  });
  it("replaces each forbidden character with U+FFFD and leaves clean text as it is", () => {
    expect(replaceForbiddenXmlChars("a\u0001b\u0000c\uD800")).toBe("a\uFFFDb\uFFFDc\uFFFD");
    const clean = "21.5 \u{1F600}";
    expect(replaceForbiddenXmlChars(clean)).toBe(clean);
  });
});
