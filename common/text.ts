/**
 * How the chat counts text, on both sides: in characters (code points), as every limit is
 * stated, so that an emoji is one character as the server counts it, not two UTF-16 units.
 */
export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A message's length as the server checks it against MAX_TEXT_LENGTH: of the trimmed text. */
export const messageLength = (text: string): number => codePoints(text.trim());
