import createElement from "ltx/lib/createElement.js";
import parse from "ltx/lib/parse.js";
import { describe, expect, it } from "vitest";
import { appendChild, Element } from "./element.js";
import { QuickElement, serialize } from "./serialize.js";

const ltxString = (el: Element): string => Element.prototype.toString.call(el);

describe("serialize", () => {
  it("writes a publish IQ byte for byte as ltx does", () => {
    const iq = createElement("iq", { type: "set", to: "pubsub.example.org", id: "a1-2" },
      createElement("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" },
        createElement("publish", { node: "iot/dev/t" },
          createElement("item", { id: "mx66-1" },
            createElement("sensml", { xmlns: "urn:ietf:params:xml:ns:senml" },
              createElement("senml", { bn: "a@b/dev/", n: "t", u: "Cel", v: "21.5", t: "1796219013.373" }))))));
    expect(serialize(iq)).toBe(ltxString(iq));
    expect(serialize(iq)).toContain('<senml bn="a@b/dev/" n="t" u="Cel" v="21.5" t="1796219013.373"/>');
  });

  it("escapes attribute values and text as ltx does, and skips null attributes and children", () => {
    const el = new Element("x", { q: `a"b'c<d>e&f`, plain: "ok" });
    el.attrs["gone"] = undefined;
    (el.attrs as Record<string, unknown>)["count"] = 42;
    el.children.push("1 < 2 & 3 > 2 \"quoted\" 'single'", null as unknown as string, createElement("empty"), 7 as unknown as string);
    expect(serialize(el)).toBe(ltxString(el));
    expect(serialize(el)).toBe(`<x q="a&quot;b&apos;c&lt;d&gt;e&amp;f" plain="ok" count="42">1 &lt; 2 &amp; 3 &gt; 2 "quoted" 'single'<empty/>7</x>`);
  });

  it("matches ltx for parsed stanzas with mixed content and namespaces", () => {
    const text = `<message to="a@b/c" xmlns="jabber:client"><body>hi &amp; bye &lt;3</body><x xmlns="jabber:x:data" type="form"><field var="v"><value>1</value></field></x>tail</message>`;
    const el = parse(text);
    expect(serialize(el)).toBe(ltxString(el));
    expect(serialize(el)).toBe(text);
  });

  it("lets a child with its own write method write itself", () => {
    class Custom extends Element {
      override write(writer: (piece: string) => void): void {
        writer("<custom/>");
      }
    }
    const el = createElement("a", {}, new Custom("ignored"), createElement("b", { k: "v" }));
    expect(serialize(el)).toBe(ltxString(el));
    expect(serialize(el)).toBe('<a><custom/><b k="v"/></a>');
  });

  it("QuickElement serializes with serialize, and stays an ltx element", () => {
    const iq = new QuickElement("iq", { type: "set" });
    appendChild(iq, createElement("pubsub", { xmlns: "p" }, createElement("publish", { node: "n&m" })));
    expect(iq).toBeInstanceOf(QuickElement);
    expect(iq).toBeInstanceOf(Element);
    expect(iq.toString()).toBe(ltxString(iq));
    expect(iq.getChild("pubsub", "p")?.getChild("publish")?.attrs["node"]).toBe("n&m");
  });
});
