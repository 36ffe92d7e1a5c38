import { create } from "qrcode/lib/core/qrcode.js";
import { render } from "qrcode/lib/renderer/utf8.js";

/**
 * A QR code drawn with half-block characters, two modules per character cell. Light modules are
 * drawn as blocks (a terminal's text is light on dark), with the 4-module quiet zone scanners need.
 */
export function terminalQr(text: string): string {
  return render(create(text, { errorCorrectionLevel: "L" }), { margin: 4, color: { dark: "#ffffff", light: "#000000" } });
}
