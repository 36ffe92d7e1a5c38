/**
 * What the agent quotes back of someone's input (a form value, a chat argument, a serial field)
 * is bounded: a 100 kB value sent to `set` must not come back at full length in the reply, once
 * in the note and again in the form.
 */
export const MAX_ECHO_CHARS = 64;
/** An error text in a reply (ad-hoc note, chat answer): long enough for any message of ours. */
export const MAX_ERROR_TEXT_CHARS = 400;

/** JSON-quoted, cut to `max` characters with the full length said: `"aaaa…" (100000 characters)`. */
export function quoteInput(value: unknown, max = MAX_ECHO_CHARS): string {
  const text = typeof value === "string" ? value : String(value);
  if (text.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(text.slice(0, max)).slice(0, -1)}…" (${text.length} characters)`;
}

/** An error text cut to `max` characters, for replies that may carry someone's input. */
export function boundErrorText(text: string, max = MAX_ERROR_TEXT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
