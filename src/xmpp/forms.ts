import xml, { type Element } from "@xmpp/xml";

export const NS_DATA = "jabber:x:data";

export type FieldValue = string | number | boolean | readonly string[];

/** XEP-0004 submit form with a hidden FORM_TYPE (XEP-0068). */
export function submitForm(formType: string, fields: Readonly<Record<string, FieldValue>>): Element {
  const form = xml("x", { xmlns: NS_DATA, type: "submit" }, field("FORM_TYPE", formType, "hidden"));
  for (const [name, value] of Object.entries(fields)) form.append(field(name, value));
  return form;
}

function field(name: string, value: FieldValue, type?: string): Element {
  const values = Array.isArray(value) ? value : [typeof value === "boolean" ? (value ? "1" : "0") : String(value)];
  return xml("field", type ? { var: name, type } : { var: name }, ...values.map((v) => xml("value", {}, v)));
}

/** Field values of a submitted or result form, by `var`. */
export function readForm(form: Element | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of form?.getChildren("field") ?? []) {
    const name = f.attrs["var"];
    if (name !== undefined) out.set(name, f.getChildren("value").map((v) => v.text()));
  }
  return out;
}
