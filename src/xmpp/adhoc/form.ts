import xml, { type Element } from "@xmpp/xml";
import type { FieldSpec, ResultTable } from "../../commands/types.js";
import { quoteInput } from "../../text/echo.js";
import { NS_DATA } from "../forms.js";

const NS_VALIDATE = "http://jabber.org/protocol/xdata-validate";

/** XEP-0004 section 3.3 field types; numbers are text-single typed with XEP-0122 xs:double. */
function fieldElement(spec: FieldSpec, value: string | undefined): Element {
  const type = spec.kind === "choice" ? "list-single" : spec.kind === "boolean" ? "boolean" : "text-single";
  const field = xml("field", { var: spec.name, type, label: spec.label });
  if (spec.description !== undefined) field.append(xml("desc", {}, spec.description));
  if (spec.required) field.append(xml("required"));
  if (spec.kind === "number") {
    const bounded = spec.min !== undefined || spec.max !== undefined;
    field.append(xml("validate", { xmlns: NS_VALIDATE, datatype: "xs:double" },
      bounded ? xml("range", { min: spec.min !== undefined ? String(spec.min) : undefined, max: spec.max !== undefined ? String(spec.max) : undefined }) : xml("basic")));
  }
  if (value !== undefined && value !== "") field.append(xml("value", {}, value));
  for (const option of spec.options ?? []) field.append(xml("option", { label: option }, xml("value", {}, option)));
  return field;
}

/** The form of one stage; `values` pre-fills what the user already typed (after an error). */
export function stageForm(title: string, instructions: string, fields: readonly FieldSpec[], values: Readonly<Record<string, string>>): Element {
  return xml("x", { xmlns: NS_DATA, type: "form" }, xml("title", {}, title), xml("instructions", {}, instructions),
    ...fields.map((f) => fieldElement(f, values[f.name] ?? f.value)));
}

/** XEP-0004 section 3.4 multi-item result: <reported> column heads, one <item> per row. */
export function resultForm(title: string, table: ResultTable | undefined): Element | undefined {
  if (!table || table.rows.length === 0) return undefined;
  return xml("x", { xmlns: NS_DATA, type: "result" }, xml("title", {}, title),
    xml("reported", {}, ...table.columns.map((c) => xml("field", { var: c, label: c }))),
    ...table.rows.map((row) => xml("item", {}, ...table.columns.map((c, i) => xml("field", { var: c }, xml("value", {}, row[i] ?? ""))))));
}

export type Submitted = { ok: true; values: Record<string, string> } | { ok: false };

/** Values of a submitted form (XEP-0004 section 3.1 type="submit"); anything else is bad-payload. */
export function readSubmitted(command: Element): Submitted {
  const form = command.getChild("x", NS_DATA);
  if (!form || (form.attrs["type"] !== "submit" && form.attrs["type"] !== undefined)) return { ok: false };
  const values: Record<string, string> = {};
  for (const field of form.getChildren("field")) {
    const name = field.attrs["var"];
    if (name === undefined) continue;
    values[name] = field.getChildren("value").map((v) => v.text()).join("\n").trim();
  }
  return { ok: true, values };
}

/** The first required field left empty, or a choice outside its options; undefined when all is well. */
export function checkStage(fields: readonly FieldSpec[], values: Readonly<Record<string, string>>): string | undefined {
  for (const f of fields) {
    const v = values[f.name] ?? "";
    if (f.required && v === "") return `${f.label} (${f.name}) is required`;
    if (v !== "" && f.kind === "choice" && f.options && !f.options.includes(v)) return `${f.name} ${quoteInput(v)} is not one of: ${f.options.join(", ")}`;
    if (v !== "" && f.kind === "number" && !Number.isFinite(Number(v))) return `${f.name} must be a number, got ${quoteInput(v)}`;
    if (v !== "" && f.kind === "boolean" && !["1", "0", "true", "false"].includes(v)) return `${f.name} must be true or false, got ${quoteInput(v)}`;
  }
  return undefined;
}
