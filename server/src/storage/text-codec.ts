/**
 * Text as a database column can hold it. PostgreSQL's TEXT refuses NUL, and both databases
 * store UTF-8, where a lone surrogate (valid in a JavaScript string, and in JSON over the
 * wire) turns into U+FFFD. Such a text is stored as MARK + its JSON, whose escapes keep every
 * UTF-16 unit; every other text, nearly all of them, is stored as it is, so that the database
 * can still search and sort it.
 */
const MARK = '\uffff';

// A NUL, or a surrogate on its own: with the u flag a well-formed pair is one code point,
// outside this range.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udfff]/u;

/** What to write for `text`; `decodeText` gives `text` back exactly. */
export function encodeText(text: string): string {
  if (!text.startsWith(MARK) && !UNSTORABLE.test(text)) return text;
  return MARK + JSON.stringify(text);
}

/** The text that `encodeText` wrote as `stored`. */
export function decodeText(stored: string): string {
  if (!stored.startsWith(MARK)) return stored;
  return JSON.parse(stored.slice(MARK.length)) as string;
}
