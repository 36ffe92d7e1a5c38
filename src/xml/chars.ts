/**
 * XML 1.0 section 2.2: `Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
 * Anything else (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, a lone surrogate) makes a stanza
 * not-well-formed even as a character reference, and the server closes the whole stream
 * (RFC 6120 section 4.9.3.13), so such characters must never be written.
 */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const FORBIDDEN_ALL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The first character XML 1.0 cannot carry, as `U+0001`; undefined when the text is clean. */
export function forbiddenXmlChar(text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (!match) return undefined;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Replaces every character XML 1.0 cannot carry with U+FFFD (the Unicode replacement character). */
export function replaceForbiddenXmlChars(text: string): string {
  return FORBIDDEN.test(text) ? text.replace(FORBIDDEN_ALL, "\uFFFD") : text;
}
