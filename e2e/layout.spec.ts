import type { Locator, Page } from '@playwright/test';
import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

/** The height of `locator` on the page, in CSS pixels. */
async function heightOf(locator: Locator): Promise<number> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('not rendered');
  return box.height;
}

/** How many message rows lie wholly inside the scrolling list's visible part. */
const rowsInView = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const scroller = document.getElementById('messages');
    if (!scroller) return 0;
    const view = scroller.getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="message"]')].filter((row) => {
      const r = row.getBoundingClientRect();
      return r.top >= view.top && r.bottom <= view.bottom;
    }).length;
  });

/** Sends `count` one-line messages and waits until the last is acknowledged. */
async function sendLines(u: ChatUser, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await u.send(`line ${i}`);
  await expect(u.messages(`line ${count}`)).toHaveAttribute('data-status', 'sent');
}

test('on a phone the top bar is one row, and joining a room closes the rooms panel', async ({
  user,
}) => {
  const alice = await user('alice');
  const page = alice.page;
  await page.setViewportSize({ width: 390, height: 844 });
  const topbar = page.locator('.topbar');
  const height = await heightOf(topbar);
  test.info().annotations.push({ type: 'top bar px (390×844)', description: String(height) });
  expect(height).toBeLessThanOrEqual(72);

  const rooms = page.locator('#rooms-panel');
  const toggle = page.getByRole('button', { name: 'Rooms' });
  await toggle.click();
  await expect(rooms).toBeVisible();
  await page.getByLabel('Join or create a room').fill('random');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.locator('#room-title')).toHaveText('#random');
  await expect(rooms).toBeHidden();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await alice.send('hello from the phone');
  await expect(alice.messages('hello from the phone')).toBeInViewport();
  await shoot(page, 'joined-on-phone');

  // Picking a room of one's own closes it as well.
  await toggle.click();
  await rooms.getByRole('button', { name: '#general' }).click();
  await expect(page.locator('#room-title')).toHaveText('#general');
  await expect(rooms).toBeHidden();

  // The name and the account's buttons are one tap away.
  const account = page.getByRole('button', { name: 'Menu', exact: true });
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeHidden();
  await account.click();
  await expect(page.locator('#me-name')).toHaveText('alice');
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeHidden();
  // Still one row.
  expect(await heightOf(topbar)).toBeLessThanOrEqual(72);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  expect(alice.problems).toEqual([]);
});

test('one-line messages take one compact row each; the actions show over a row on hover', async ({
  user,
}) => {
  const alice = await user('alice');
  const page = alice.page;
  await page.setViewportSize({ width: 1280, height: 800 });
  await sendLines(alice, 30);
  await expect(alice.messages('line 30')).toBeInViewport();

  const first = await heightOf(alice.messages('line 1'));
  const row = alice.messages('line 29');
  const height = await heightOf(row);
  const fitting = await rowsInView(page);
  test
    .info()
    .annotations.push(
      { type: 'first row px', description: String(first) },
      { type: 'row px', description: String(height) },
      { type: 'rows in an 800 px window', description: String(fitting) },
    );
  expect(height).toBeLessThanOrEqual(40);
  expect(first).toBeLessThanOrEqual(46);
  expect(fitting).toBeGreaterThanOrEqual(16);
  await shoot(page, 'timeline');

  // The actions are hidden until the row is hovered or focused, and take no space.
  const actions = row.getByRole('toolbar', { name: 'Message actions' });
  await expect(actions.getByRole('button')).toHaveText([
    'Reply',
    'React',
    'Copy link',
    'Edit',
    'Delete',
  ]);
  await page.mouse.move(0, 0);
  await expect(actions).toHaveCSS('opacity', '0');
  await row.hover();
  await expect(actions).toHaveCSS('opacity', '1');
  expect(await heightOf(row)).toBe(height);
  await page.mouse.move(0, 0);
  await expect(actions).toHaveCSS('opacity', '0');
  await row.focus();
  await expect(actions).toHaveCSS('opacity', '1');
  expect(await heightOf(row)).toBe(height);
  // A click on an action works as before: the mouse on its way there shows it.
  await page.mouse.move(0, 0);
  await row.getByRole('button', { name: 'Reply' }).click();
  await expect(page.locator('#reply-bar')).toBeVisible();
  await expect(alice.composer).toBeFocused();
  expect(alice.problems).toEqual([]);
});

test('compact view is denser still, and the browser keeps it', async ({ user }) => {
  const alice = await user('alice');
  const page = alice.page;
  await page.setViewportSize({ width: 1280, height: 800 });
  await sendLines(alice, 30);
  const toggle = page.getByRole('button', { name: 'Compact view' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  const before = await rowsInView(page);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('body')).toHaveClass(/\bcompact\b/);

  const first = alice.messages('line 1');
  // No avatar; the name is on the text's line.
  await expect(first.locator('.avatar')).toBeHidden();
  const name = await first.locator('.msg-author').boundingBox();
  const text = await first.locator('.msg-text').boundingBox();
  expect(name && text && Math.abs(name.y + name.height / 2 - (text.y + text.height / 2)) < 8).toBe(
    true,
  );
  const height = await heightOf(alice.messages('line 29'));
  const firstHeight = await heightOf(first);
  await expect(alice.messages('line 30')).toBeInViewport();
  const after = await rowsInView(page);
  test
    .info()
    .annotations.push(
      { type: 'compact row px', description: String(height) },
      { type: 'compact first row px', description: String(firstHeight) },
      { type: 'compact rows in an 800 px window', description: String(after) },
    );
  expect(height).toBeLessThanOrEqual(30);
  expect(firstHeight).toBeLessThanOrEqual(30);
  expect(after).toBeGreaterThan(before);
  await shoot(page, 'compact-view');

  await page.reload();
  await expect(alice.status).toHaveAttribute('data-state', 'connected');
  await expect(page.locator('body')).toHaveClass(/\bcompact\b/);
  await expect(page.getByRole('button', { name: 'Compact view' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.getByRole('button', { name: 'Compact view' }).click();
  await expect(page.locator('body')).not.toHaveClass(/\bcompact\b/);
  expect(alice.problems).toEqual([]);
});

test('after signing in the message box has the keys', async ({ user }) => {
  const alice = await user('alice');
  await expect(alice.composer).toBeFocused();
  await alice.page.keyboard.type('typed at once');
  await alice.page.keyboard.press('Enter');
  await expect(alice.messages('typed at once')).toHaveAttribute('data-status', 'sent');
  expect(alice.problems).toEqual([]);
});

/** Whether the focused element lies in the message list, and which it is. */
const focusInTimeline = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    const inside = active !== null && document.getElementById('messages')?.contains(active);
    if (!inside || !(active instanceof HTMLElement)) return undefined;
    // A path of indexes names the element without holding on to it.
    const path: number[] = [];
    let node: Element = active;
    while (node.parentElement) {
      path.push([...node.parentElement.children].indexOf(node));
      node = node.parentElement;
    }
    return path.join('.');
  });

test('the timeline is one stop of the Tab key; the arrow keys go from message to message', async ({
  user,
}) => {
  test.setTimeout(120_000);
  const alice = await user('alice');
  const page = alice.page;
  await sendLines(alice, 50);
  const rows = page.getByTestId('message');
  await expect(rows).toHaveCount(50);
  await expect(page.locator('[data-testid="message"][tabindex="0"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="message"][tabindex="-1"]')).toHaveCount(49);

  // Once round the page from the message box: few stops in the timeline.
  await alice.composer.focus();
  const stops = new Set<string>();
  let presses = 0;
  for (; presses < 400; presses++) {
    await page.keyboard.press('Tab');
    if (await alice.composer.evaluate((node) => node === document.activeElement)) break;
    const where = await focusInTimeline(page);
    if (where !== undefined) stops.add(where);
  }
  test
    .info()
    .annotations.push(
      { type: 'tab stops in the timeline', description: String(stops.size) },
      { type: 'tab stops round the page', description: String(presses + 1) },
    );
  expect(presses).toBeLessThan(400);
  expect(stops.size).toBeGreaterThanOrEqual(1);
  expect(stops.size).toBeLessThanOrEqual(3);

  // Shift+Tab back from the message box reaches the newest message (through its actions).
  await alice.composer.focus();
  const newest = alice.messages('line 50');
  for (let i = 0; i < 4 && !(await newest.evaluate((n) => n === document.activeElement)); i++) {
    await page.keyboard.press('Shift+Tab');
  }
  await expect(newest).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(alice.messages('line 49')).toBeFocused();
  await expect(alice.messages('line 49')).toHaveAttribute('tabindex', '0');
  await expect(newest).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('Home');
  await expect(alice.messages('line 1')).toBeFocused();
  await expect(alice.messages('line 1')).toBeInViewport();
  await page.keyboard.press('ArrowUp');
  await expect(alice.messages('line 1')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(alice.messages('line 2')).toBeFocused();
  await page.keyboard.press('End');
  await expect(newest).toBeFocused();
  await expect(page.locator('[data-testid="message"][tabindex="0"]')).toHaveCount(1);

  // Tab goes into the message's actions, which the arrow keys go along; Tab again leaves.
  await page.keyboard.press('Tab');
  const actions = newest.getByRole('toolbar', { name: 'Message actions' });
  await expect(actions.getByRole('button', { name: 'Reply' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(actions.getByRole('button', { name: 'React' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(newest).toBeFocused();
  // Enter goes into the actions as well.
  await page.keyboard.press('Enter');
  await expect(actions.getByRole('button', { name: 'Reply' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(actions.getByRole('button', { name: 'Delete' })).toBeFocused();
  await page.keyboard.press('Tab');
  expect(await focusInTimeline(page)).toBeUndefined();

  // Edit from the keyboard: the editor opens in the row, and Up in an empty box still edits.
  await alice.messages('line 49').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(alice.messages('line 49').getByRole('button', { name: 'Copy link' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(alice.messages('line 49').getByRole('button', { name: 'Edit' })).toBeFocused();
  await page.keyboard.press('Enter');
  const editor = page.getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await page.keyboard.press('Escape');
  await alice.composer.focus();
  await alice.composer.press('ArrowUp');
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('line 50');
  expect(alice.problems).toEqual([]);
});
