// Narrow typings for the two parts of the qrcode package the demo uses (CommonJS, untyped deep paths).
declare module "qrcode/lib/core/qrcode.js" {
  export interface QrData { readonly modules: { readonly size: number; readonly data: Uint8Array } }
  export function create(text: string, options?: { errorCorrectionLevel?: "L" | "M" | "Q" | "H" }): QrData;
}
declare module "qrcode/lib/renderer/utf8.js" {
  import type { QrData } from "qrcode/lib/core/qrcode.js";
  export function render(data: QrData, options?: { margin?: number; color?: { dark?: string; light?: string } }): string;
}
