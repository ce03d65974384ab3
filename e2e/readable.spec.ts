import type { Page } from '@playwright/test';
import { expect, test, type ChatUser } from './support/fixtures.js';

/** The message bubbles that contain `text` anywhere (rendered Markdown drops its markers). */
const bubble = (u: ChatUser, text: string) =>
  u.page.getByTestId('message').filter({ hasText: text });

/** `depth` elements of emphasis or links, each inside the one before. */
const nested = (depth: number) =>
  Array.from({ length: depth }, () => ':is(em, strong, a)').join(' ');

test('emphasis, inline code, code blocks and links show as such; bare URLs open safely', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');

  await alice.send('*soft* **loud** `npm test` [the docs](https://example.com/docs)');
  await alice.send('Try this:\n```\nconst answer = 42;\n```\nand\n\n    indented code');
  await alice.send('see https://example.com/page?q=1 for more');

  const first = bubble(bob, 'the docs');
  await expect(first.locator('.msg-text em')).toHaveText('soft');
  await expect(first.locator('.msg-text strong')).toHaveText('loud');
  await expect(first.locator('.msg-text code')).toHaveText('npm test');
  const docs = first.getByRole('link', { name: 'the docs' });
  await expect(docs).toHaveAttribute('href', 'https://example.com/docs');
  await expect(docs).toHaveAttribute('target', '_blank');
  await expect(docs).toHaveAttribute('rel', 'noopener noreferrer');

  const blocks = bubble(bob, 'const answer = 42;').locator('.msg-text pre code');
  await expect(blocks).toHaveText(['const answer = 42;', 'indented code']);

  const url = bubble(bob, 'for more').getByRole('link');
  await expect(url).toHaveText('https://example.com/page?q=1');
  await expect(url).toHaveAttribute('href', 'https://example.com/page?q=1');
  await expect(url).toHaveAttribute('target', '_blank');
  await expect(url).toHaveAttribute('rel', 'noopener noreferrer');

  // The sender's own copy renders the same way, pending or acknowledged.
  await expect(bubble(alice, 'for more').getByRole('link')).toHaveAttribute(
    'rel',
    'noopener noreferrer',
  );
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});

test('script through the Markdown path does nothing and shows as typed', async ({ user }) => {
  const mallory = await user('mallory');
  const victim = await user('victim');
  const literal = [
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(document.cookie))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
  ];
  for (const text of literal) await mallory.send(text);
  await mallory.send('```\n<img src=y onerror=alert(2)>\n```');
  await mallory.send('inline `<script>alert(1)</script>` code');
  await mallory.send('the end');

  for (const u of [mallory, victim]) {
    await expect(u.messages('the end')).toHaveAttribute('data-status', 'sent');
    for (const text of literal) await expect(u.messages(text)).toHaveCount(1);
    await expect(
      bubble(u, '<img src=y onerror=alert(2)>').locator('.msg-text pre code'),
    ).toHaveText('<img src=y onerror=alert(2)>');
    await expect(bubble(u, 'inline').locator('.msg-text code')).toHaveText(
      '<script>alert(1)</script>',
    );
    const list = u.page.locator('#message-list');
    await expect(list.locator('img, script, svg, iframe, object')).toHaveCount(0);
    await expect(list.locator('a')).toHaveCount(0);
    await expect(
      u.page.locator('a[href^="javascript:" i], a[href^="data:" i], [onerror]'),
    ).toHaveCount(0);
    // Any alert would have been recorded here as a dialog.
    expect(u.problems).toEqual([]);
  }
});

test.describe('emphasis bombs', () => {
  const token = 'readable-e2e-push-token';
  test.use({
    serverEnv: { MAX_TEXT_LENGTH: '20000', MAX_PAYLOAD_BYTES: '131072', PUSH_TOKEN: token },
  });

  test('deeply nested emphasis renders quickly and leaves the page usable', async ({
    user,
    server,
    request,
  }) => {
    const alice = await user('alice');
    const bombs = [
      '*'.repeat(5000),
      `${'*'.repeat(2500)}boom${'*'.repeat(2500)}`,
      `${'_'.repeat(2500)}boom${'_'.repeat(2500)}`,
      `${'*_'.repeat(2500)}boom${'_*'.repeat(2500)}`,
      '*a '.repeat(5000),
    ];
    // The push API takes longer texts than the message box, so the bombs can be full size.
    for (const text of [...bombs, 'after the bombs']) {
      const response = await request.post(`${server.url}/api/rooms/general/messages`, {
        headers: { authorization: `Bearer ${token}` },
        data: { text, author: 'bomber' },
      });
      expect(response.status()).toBe(201);
    }

    await expect(alice.messages('after the bombs')).toBeVisible();
    await expect(alice.page.getByTestId('message')).toHaveCount(bombs.length + 1);
    // Rendered as emphasis, but never deeper than the renderer's limit of eight.
    await expect(bubble(alice, 'boom').first().locator(nested(8))).toHaveCount(1);
    await expect(alice.page.locator(`#message-list ${nested(9)}`)).toHaveCount(0);
    await alice.send('still typing');
    await expect(alice.messages('still typing')).toHaveAttribute('data-status', 'sent');
    expect(alice.problems).toEqual([]);
  });
});

test('a day separator heads the day; quick messages of one author form a group', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await alice.send('first');
  await alice.send('second');

  const rows = bob.page.locator('#message-list > li');
  await expect(bob.messages('second')).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-testid', 'day-separator');
  await expect(rows.first()).toHaveText('Today');
  await expect(bob.page.getByTestId('day-separator')).toHaveCount(1);

  const first = bob.messages('first');
  const second = bob.messages('second');
  await expect(first).not.toHaveClass(/\bcontinued\b/);
  await expect(first.locator('.avatar')).toHaveCount(1);
  await expect(first.locator('.msg-author')).toHaveText('alice');
  await expect(second).toHaveClass(/\bcontinued\b/);
  await expect(second.locator('.avatar')).toHaveCount(0);
  // No name shown, but screen readers still hear who wrote it.
  await expect(second.locator('.msg-author')).toHaveClass(/visually-hidden/);
  await expect(second.locator('.msg-author')).toHaveText('alice');
  // The sender sees the same grouping of its own messages.
  await expect(alice.messages('second')).toHaveClass(/\bcontinued\b/);

  // Another author starts a new group, and so does a notice between two messages.
  await bob.send('reply');
  await alice.send('third');
  await expect(bob.messages('reply')).not.toHaveClass(/\bcontinued\b/);
  await expect(bob.messages('third')).not.toHaveClass(/\bcontinued\b/);
  await user('carol');
  await expect(bob.page.getByTestId('notice').filter({ hasText: 'carol joined' })).toBeVisible();
  await alice.send('fourth');
  await expect(bob.messages('fourth')).not.toHaveClass(/\bcontinued\b/);
  await alice.send('fifth');
  await expect(bob.messages('fifth')).toHaveClass(/\bcontinued\b/);
  // A notice ends a group but not the day.
  await expect(bob.page.getByTestId('day-separator')).toHaveCount(1);
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});

/** Fills the room with enough of `u`'s messages to scroll, and waits until `reader` has them. */
async function fillRoom(u: ChatUser, reader: ChatUser, count = 30): Promise<void> {
  for (let i = 1; i <= count; i++) await u.send(`line ${i}`);
  await expect(reader.messages(`line ${count}`)).toBeInViewport();
}

const scrollToTop = (page: Page) =>
  page.locator('#messages').evaluate((el) => {
    el.scrollTop = 0;
  });

test.describe('scrolling', () => {
  test.use({ serverEnv: { RATE_LIMIT_BURST: '100' } });

  test('scrolled up, new messages are counted on a button that jumps to them', async ({ user }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    await bob.page.setViewportSize({ width: 900, height: 520 });
    await fillRoom(alice, bob);
    const jump = bob.page.locator('#jump-newest');
    await expect(jump).toBeHidden();

    await scrollToTop(bob.page);
    await expect(jump).toHaveAccessibleName('Jump to newest');
    for (const text of ['news 1', 'news 2', 'news 3']) await alice.send(text);
    await expect(jump).toHaveAccessibleName('Jump to newest: 3 new messages');
    await expect(jump.locator('.jump-count')).toHaveText('3 new messages');
    // The reader stays where they were.
    await expect(bob.messages('line 1')).toBeInViewport();
    await expect(bob.messages('news 3')).not.toBeInViewport();

    // With the keyboard: the button takes the reader down and hands focus to the list.
    await jump.focus();
    await bob.page.keyboard.press('Enter');
    await expect(bob.messages('news 3')).toBeInViewport();
    await expect(jump).toBeHidden();
    await expect(bob.page.locator('#messages')).toBeFocused();

    // Scrolling down by hand also puts it away.
    await scrollToTop(bob.page);
    await alice.send('news 4');
    await expect(jump).toHaveAccessibleName('Jump to newest: 1 new message');
    await bob.page.locator('#messages').press('End');
    await expect(bob.messages('news 4')).toBeInViewport();
    await expect(jump).toBeHidden();

    // A click works as well; and once at the end, new messages keep the view pinned.
    await scrollToTop(bob.page);
    await alice.send('news 5');
    await expect(jump).toHaveAccessibleName('Jump to newest: 1 new message');
    await jump.click();
    await expect(bob.messages('news 5')).toBeInViewport();
    await expect(jump).toBeHidden();
    await alice.send('news 6');
    await expect(bob.messages('news 6')).toBeInViewport();
    await expect(jump).toBeHidden();
    expect(bob.problems).toEqual([]);
  });

  test('sending brings your own message into view even when scrolled up', async ({ user }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    await bob.page.setViewportSize({ width: 900, height: 520 });
    await fillRoom(alice, bob);

    await scrollToTop(bob.page);
    await expect(bob.messages('line 30')).not.toBeInViewport();
    await bob.send('my reply');
    await expect(bob.messages('my reply')).toBeInViewport();
    await expect(bob.messages('my reply')).toHaveAttribute('data-status', 'sent');
    await expect(bob.messages('my reply')).toBeInViewport();
    await expect(bob.page.locator('#jump-newest')).toBeHidden();
    expect(bob.problems).toEqual([]);
  });
});
