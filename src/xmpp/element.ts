/** Stanzas are built with the same factory as SenML payloads: one element class, no conversion. */
export { appendChild, element } from "../xml-element.js";
