import MarkdownIt, { type Token } from 'markdown-it';

/**
 * A message rendered for display: text, or one of the few elements a chat line may hold.
 * Plain data, never HTML: the view builds DOM nodes from it and sets every string as text.
 */
export type Rendered =
  | string
  | { tag: 'p' | 'pre' | 'code' | 'em' | 'strong'; children: Rendered[] }
  | { tag: 'a'; href: string; children: Rendered[] };

/** Link targets a message may carry; anything else (javascript:, data:, relative…) stays text. */
const SAFE_LINK = /^(https?:|mailto:)/i;

/**
 * Emphasis and links nested deeper than this are shown as their text alone. markdown-it
 * turns 1,000 asterisks around a word into 500 nested elements, which nobody means and
 * which would only cost the browser time.
 */
const MAX_INLINE_DEPTH = 8;

/**
 * Only what a chat line needs: emphasis, inline code, code blocks, links and bare URLs.
 * The "zero" preset starts with paragraphs and text alone. Headings, lists, quotes, rules,
 * tables and images stay off, so that a line starting with `#`, `-`, `1.` or `>` reads as
 * typed and one message cannot take over the room's screen. Raw HTML is off (shown as text),
 * and so are entities, so `&lt;` also shows as typed.
 */
const md = new MarkdownIt('zero', { html: false, linkify: true }).enable([
  'code', // indented code block
  'fence',
  'emphasis',
  'backticks',
  'link',
  'linkify',
  'newline',
  'escape',
]);
// Stricter than markdown-it's default, which still lets some data: images through.
md.validateLink = (url) => SAFE_LINK.test(url.trim());
// Bare URLs only with a scheme we link to: no "example.com", "a@b.io" or "//host" guesses,
// which would turn file names such as socket.io into links.
md.linkify
  .set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })
  .add('ftp:', null)
  .add('//', null);

type Element = Exclude<Rendered, string>;

function pushText(into: Rendered[], text: string): void {
  if (text === '') return;
  const last = into.length - 1;
  const before = into[last];
  if (typeof before === 'string') into[last] = before + text;
  else into.push(text);
}

/** Builds the inline elements of one paragraph from markdown-it's flat token list. */
function inline(tokens: readonly Token[]): Rendered[] {
  const root: Rendered[] = [];
  // Each open token pushes where its content goes: its own element, or, when it is not
  // kept (too deep, or a link we refuse), its parent, so that the text is never lost.
  const stack: { children: Rendered[]; kept: boolean }[] = [{ children: root, kept: true }];
  let depth = 0;
  for (const token of tokens) {
    const into = stack[stack.length - 1]?.children ?? root;
    if (token.nesting === 1) {
      const href = String(token.attrGet('href') ?? '');
      let node: Element | undefined;
      if (depth < MAX_INLINE_DEPTH) {
        if (token.type === 'em_open') node = { tag: 'em', children: [] };
        else if (token.type === 'strong_open') node = { tag: 'strong', children: [] };
        else if (token.type === 'link_open' && SAFE_LINK.test(href)) {
          node = { tag: 'a', href, children: [] };
        }
      }
      if (node) {
        into.push(node);
        depth++;
      }
      stack.push({ children: node?.children ?? into, kept: node !== undefined });
    } else if (token.nesting === -1) {
      if (stack.length > 1 && stack.pop()?.kept === true) depth--;
    } else if (token.type === 'code_inline') {
      into.push({ tag: 'code', children: [token.content] });
    } else if (token.type === 'softbreak' || token.type === 'hardbreak') {
      // The message keeps its line breaks as typed (white-space: pre-wrap in the page).
      pushText(into, '\n');
    } else {
      pushText(into, token.content);
    }
  }
  return root;
}

/** Renders a message's text as the Markdown subset above. */
export function renderMarkdown(text: string): Rendered[] {
  const blocks: Rendered[] = [];
  for (const token of md.parse(text, {})) {
    if (token.type === 'inline') {
      blocks.push({ tag: 'p', children: inline(token.children ?? []) });
    } else if (token.type === 'fence' || token.type === 'code_block') {
      const code = token.content.replace(/\n$/, '');
      blocks.push({ tag: 'pre', children: [{ tag: 'code', children: [code] }] });
    }
  }
  // Markup alone (a line of backticks is an empty code block) would show an empty bubble.
  if (plainText(blocks).trim() === '') return [{ tag: 'p', children: [text] }];
  return blocks;
}

/** The text a reader sees, without the markup: what a screen reader should announce. */
export function plainText(nodes: readonly Rendered[], separator = '\n'): string {
  return nodes
    .map((node) => (typeof node === 'string' ? node : plainText(node.children, '')))
    .join(separator);
}
