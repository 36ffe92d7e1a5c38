import { forbiddenXmlChar, replaceForbiddenXmlChars } from "../xml-chars.js";

/**
 * The last line of defence: every string xmpp.js writes to the socket (stanzas, nonzas, batches
 * of resent stanzas) passes here, and a character XML 1.0 forbids is replaced with U+FFFD. One
 * such character would make the server close the stream with not-well-formed (RFC 6120 section
 * 4.9.3.13) on every attempt to send it. The parts that build stanzas should never produce one
 * (the pipeline refuses them); `onReplaced` says when something did.
 */
export function guardOutgoingXml(entity: { write(text: string): Promise<void> }, onReplaced: (char: string) => void): void {
  const write = entity.write.bind(entity);
  entity.write = (text: string): Promise<void> => {
    const char = forbiddenXmlChar(text);
    if (char === undefined) return write(text);
    onReplaced(char);
    return write(replaceForbiddenXmlChars(text));
  };
}
