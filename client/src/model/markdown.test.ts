import { describe, expect, it } from 'vitest';
import { plainText, renderMarkdown, type Rendered } from './markdown.js';

const p = (...children: Rendered[]): Rendered => ({ tag: 'p', children });

/** Every href in a rendering. */
function hrefs(nodes: readonly Rendered[]): string[] {
  return nodes.flatMap((n) =>
    typeof n === 'string' ? [] : [...('href' in n ? [n.href] : []), ...hrefs(n.children)],
  );
}

/** How deeply elements nest in a rendering. */
function depth(nodes: readonly Rendered[]): number {
  let max = 0;
  for (const n of nodes) if (typeof n !== 'string') max = Math.max(max, 1 + depth(n.children));
  return max;
}

describe('renderMarkdown', () => {
  it('renders emphasis, inline code and links', () => {
    expect(renderMarkdown('*a* **b** _c_ `d` [e](https://example.com/x)')).toEqual([
      p(
        { tag: 'em', children: ['a'] },
        ' ',
        { tag: 'strong', children: ['b'] },
        ' ',
        { tag: 'em', children: ['c'] },
        ' ',
        { tag: 'code', children: ['d'] },
        ' ',
        { tag: 'a', href: 'https://example.com/x', children: ['e'] },
      ),
    ]);
  });

  it('renders fenced and indented code blocks as written', () => {
    expect(renderMarkdown('```ts\nconst a = *b*;\n<i>x</i>\n```')).toEqual([
      { tag: 'pre', children: [{ tag: 'code', children: ['const a = *b*;\n<i>x</i>'] }] },
    ]);
    expect(renderMarkdown('look:\n\n    indented *code*')).toEqual([
      p('look:'),
      { tag: 'pre', children: [{ tag: 'code', children: ['indented *code*'] }] },
    ]);
  });

  it('links bare URLs with a scheme, and nothing that only looks like a host name', () => {
    expect(renderMarkdown('see https://example.com/a?b=1 or mailto:a@example.com')).toEqual([
      p(
        'see ',
        { tag: 'a', href: 'https://example.com/a?b=1', children: ['https://example.com/a?b=1'] },
        ' or ',
        { tag: 'a', href: 'mailto:a@example.com', children: ['mailto:a@example.com'] },
      ),
    ]);
    for (const text of ['socket.io', 'www.example.com', 'a@example.com', '//example.com']) {
      expect(renderMarkdown(text)).toEqual([p(text)]);
    }
  });

  it('refuses every link but http, https and mailto, keeping the text as typed', () => {
    const attempts = [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x](vbscript:msgbox(1))',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[x](data:image/png;base64,iVBORw0KGgo=)',
      '[x](file:///etc/passwd)',
      '[x](/relative)',
      '<javascript:alert(1)>',
      'ftp://example.com',
    ];
    for (const text of attempts) {
      const rendered = renderMarkdown(text);
      expect(hrefs(rendered), text).toEqual([]);
      expect(plainText(rendered), text).toBe(text);
    }
  });

  it('keeps HTML as text', () => {
    const text = '<img src=x onerror=alert(1)> <script>alert(1)</script> &lt;b&gt;';
    expect(renderMarkdown(text)).toEqual([p(text)]);
    expect(renderMarkdown('`<script>alert(1)</script>`')).toEqual([
      p({ tag: 'code', children: ['<script>alert(1)</script>'] }),
    ]);
  });

  it('leaves headings, lists, quotes, rules, tables and images as typed', () => {
    const text =
      '# title\n- item\n1. one\n> quote\n---\n| a | b |\n![i](https://example.com/i.png)';
    const rendered = renderMarkdown(text);
    expect(rendered).toHaveLength(1);
    // An image is not shown: what is left of it is a "!" and a link to it.
    expect(plainText(rendered)).toBe(text.replace('![i](https://example.com/i.png)', '!i'));
    expect(hrefs(rendered)).toEqual(['https://example.com/i.png']);
  });

  it('keeps line breaks and paragraphs', () => {
    expect(renderMarkdown('one\ntwo\n\nthree')).toEqual([p('one\ntwo'), p('three')]);
    expect(plainText(renderMarkdown('*one*\ntwo\n\nthree'))).toBe('one\ntwo\nthree');
  });

  it('shows markup that would render to nothing as typed', () => {
    for (const text of ['```', '```\n```', '**']) expect(renderMarkdown(text)).toEqual([p(text)]);
  });

  it('renders emphasis bombs quickly and no deeper than a few levels', () => {
    const bombs = [
      '*'.repeat(5000),
      '_'.repeat(5000),
      `${'*'.repeat(2500)}a${'*'.repeat(2500)}`,
      `${'_'.repeat(2500)}a${'_'.repeat(2500)}`,
      `${'*_'.repeat(2500)}a${'_*'.repeat(2500)}`,
      '*a '.repeat(5000),
      '['.repeat(5000),
      '`'.repeat(5000),
      // Inputs of known ReDoS reports against markdown-it's and linkify-it's URL matching.
      `https://example.com/${'*'.repeat(5000)}a`,
      'mailto:a@'.repeat(1000),
    ];
    for (const text of bombs) {
      const started = performance.now();
      const rendered = renderMarkdown(text);
      // Generous for a slow CI machine; each takes a few milliseconds once warm.
      expect(performance.now() - started).toBeLessThan(1000);
      expect(depth(rendered)).toBeLessThanOrEqual(10);
      // Nothing typed is lost but the markers (and the paragraph's trailing space).
      const shown = plainText(rendered).replace(/[*_]/g, '');
      expect(shown === text.replace(/[*_]/g, '').trim()).toBe(true);
    }
  });
});
