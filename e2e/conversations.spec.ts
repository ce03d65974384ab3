import type { BrowserContext, Locator, Page } from '@playwright/test';
import { expect, test, type ChatUser } from './support/fixtures.js';

const PASSWORD = 'correct horse battery';

/** The row of the message `text` as `u` sees it, found by id so that it survives edits. */
async function rowOf(u: ChatUser, text: string): Promise<(viewer: ChatUser) => Locator> {
  const id = await u.messages(text).getAttribute('data-key');
  expect(id).toBeTruthy();
  return (viewer) => viewer.page.locator(`#message-list > [data-key="${id ?? ''}"]`);
}

const sidebarEntry = (u: ChatUser, room: string) =>
  u.page.locator(`#rooms-panel .room-button[data-room="${room}"]`);

const directEntries = (u: ChatUser) => u.page.locator('#direct-list .room-button');

/** Makes the page hidden as a switch to another tab or app would, as far as the page can tell. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (value ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

interface NotificationLog {
  shown: { title: string; body: string }[];
  asked: number;
}

/**
 * Records every notification the page shows and every request for permission, around the
 * browser's own Notification: the test proves that the app calls it, not what the desktop does.
 */
async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Real = window.Notification;
    const log: NotificationLog = { shown: [], asked: 0 };
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        log.shown.push({ title, body: options?.body ?? '' });
      }
      static override get permission(): NotificationPermission {
        return Real.permission;
      }
      static override requestPermission(): Promise<NotificationPermission> {
        log.asked++;
        return Real.requestPermission();
      }
    }
    Object.assign(window, { notificationLog: log });
    Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
  });
}

const notificationLog = (page: Page) =>
  page.evaluate(() => (window as unknown as { notificationLog: NotificationLog }).notificationLog);

test('two users open a direct conversation, chat, and see each other’s edits and deletions', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  // Nobody offers to write to themselves.
  await expect(alice.page.getByRole('button', { name: 'Message alice' })).toHaveCount(0);
  await alice.page.getByRole('button', { name: 'Message bob' }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('bob');
  await expect(directEntries(alice)).toHaveText(['bob']);
  await expect(alice.page.locator('#leave-room')).toBeHidden();

  await alice.send('hi bob, in private');
  await expect(alice.messages('hi bob, in private')).toHaveAttribute('data-status', 'sent');
  // Bob learns of the conversation from its first message, counted as unread.
  await expect(directEntries(bob)).toHaveCount(1);
  await expect(directEntries(bob)).toContainText('alice');
  await expect(directEntries(bob).getByTestId('unread')).toHaveText('1');
  // It is nobody's business in general.
  await expect(bob.messages('hi bob, in private')).toHaveCount(0);
  await directEntries(bob).click();
  await expect(bob.page.locator('#room-title')).toHaveText('alice');
  await expect(bob.messages('hi bob, in private')).toHaveCount(1);
  await expect(directEntries(bob).getByTestId('unread')).toHaveCount(0);
  await bob.send('hi alice');
  await expect(alice.messages('hi alice')).toHaveCount(1);

  // Alice edits with the keyboard alone: Enter saves.
  const row = await rowOf(alice, 'hi bob, in private');
  const edit = row(alice).getByRole('button', { name: 'Edit' });
  await edit.focus();
  await alice.page.keyboard.press('Enter');
  const editor = row(alice).getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('hi bob, in private');
  await editor.fill('hi bob, privately');
  await editor.press('Enter');
  await expect(row(alice).locator('.msg-text')).toHaveText('hi bob, privately');
  await expect(row(alice).getByRole('button', { name: 'Edit' })).toBeFocused();
  await expect(row(bob).locator('.msg-text')).toHaveText('hi bob, privately');
  await expect(row(bob).getByTestId('edited')).toHaveText('(edited)');
  await expect(row(bob).getByTestId('edited')).toHaveAttribute('title', /^Edited /);
  // Others' messages cannot be edited or deleted; their own can.
  await expect(row(bob).getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(row(bob).getByRole('button', { name: 'Delete' })).toHaveCount(0);

  // Escape leaves the text as it was.
  await row(alice).getByRole('button', { name: 'Edit' }).click();
  await editor.fill('never sent');
  await editor.press('Escape');
  await expect(editor).toHaveCount(0);
  await expect(row(alice).locator('.msg-text')).toHaveText('hi bob, privately');

  // Deleting asks first, in the page; Escape and Cancel step back.
  await row(alice).getByRole('button', { name: 'Delete' }).click();
  const confirm = row(alice).getByRole('group', { name: 'Delete this message?' });
  await expect(confirm).toBeVisible();
  await alice.page.keyboard.press('Escape');
  await expect(confirm).toHaveCount(0);
  await expect(row(alice).getByRole('button', { name: 'Delete' })).toBeFocused();
  await row(alice).getByRole('button', { name: 'Delete' }).click();
  await confirm.getByRole('button', { name: 'Delete' }).click();

  for (const u of [alice, bob]) {
    await expect(row(u).locator('.msg-tombstone')).toHaveText('This message was deleted');
    await expect(row(u).locator('.msg-text')).toHaveCount(0);
    await expect(row(u).getByRole('button')).toHaveCount(0);
    await expect(u.page.getByText('hi bob, privately')).toHaveCount(0);
    await expect(u.messages('hi alice')).toHaveCount(1);
    expect(u.problems).toEqual([]);
  }
});

test('a reaction round trip: counts, who reacted, the user’s own pressed', async ({ user }) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await bob.page.setViewportSize({ width: 375, height: 740 });
  await alice.send('react to me');
  await expect(bob.messages('react to me')).toHaveCount(1);

  const react = bob.messages('react to me').getByRole('button', { name: 'React', exact: true });
  await react.click();
  await expect(react).toHaveAttribute('aria-expanded', 'true');
  const picker = bob.messages('react to me').getByRole('group', { name: 'Pick a reaction' });
  await expect(picker.getByRole('button')).toHaveCount(6);
  await picker.getByRole('button', { name: 'React with thumbs up' }).click();
  await expect(picker).toHaveCount(0);

  const chip = (u: ChatUser) => u.messages('react to me').getByTestId('reaction');
  for (const [u, mine] of [
    [bob, true],
    [alice, false],
  ] as const) {
    await expect(chip(u)).toHaveCount(1);
    await expect(chip(u).locator('.reaction-emoji')).toHaveText('\u{1F44D}');
    await expect(chip(u).locator('.reaction-count')).toHaveText('1');
    await expect(chip(u)).toHaveAttribute('title', 'bob');
    await expect(chip(u)).toHaveAttribute('aria-pressed', String(mine));
  }

  // Alice adds hers by the chip, then Bob takes his back the same way.
  await chip(alice).click();
  await expect(chip(bob).locator('.reaction-count')).toHaveText('2');
  await expect(chip(bob)).toHaveAttribute('title', 'bob, alice');
  await expect(chip(alice)).toHaveAttribute('aria-pressed', 'true');
  await chip(bob).click();
  await expect(chip(alice).locator('.reaction-count')).toHaveText('1');
  await expect(chip(alice)).toHaveAttribute('title', 'alice');
  await expect(chip(bob)).toHaveAttribute('aria-pressed', 'false');

  // A second emoji from the picker, by keyboard; Escape closes the picker.
  await react.focus();
  await bob.page.keyboard.press('Enter');
  await expect(picker.getByRole('button').first()).toBeFocused();
  await bob.page.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(react).toBeFocused();
  await react.click();
  await picker.getByRole('button', { name: 'React with party popper' }).click();
  await expect(chip(alice)).toHaveCount(2);
  await expect(chip(alice).nth(1)).toHaveAttribute('title', 'bob');

  const overflow = await bob.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});

test.describe('replies', () => {
  test.use({ serverEnv: { RATE_LIMIT_BURST: '100' } });

  test('a reply quotes the original; the quote brings it into view; deleted, it says so', async ({
    user,
  }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    for (const u of [alice, bob]) await u.page.setViewportSize({ width: 900, height: 520 });
    await alice.send('the original question');
    for (let i = 1; i <= 25; i++) await alice.send(`filler ${i}`);
    await expect(bob.messages('filler 25')).toBeInViewport();

    const reply = bob.messages('the original question').getByRole('button', { name: 'Reply' });
    await reply.click();
    const bar = bob.page.locator('#reply-bar');
    await expect(bar).toBeVisible();
    await expect(bar).toContainText('Replying to alice: the original question');
    await expect(bob.composer).toBeFocused();
    // Escape in the message box, or the bar's button, lets go of it.
    await bob.composer.press('Escape');
    await expect(bar).toBeHidden();
    await reply.click();
    await bar.getByRole('button', { name: 'Cancel reply' }).click();
    await expect(bar).toBeHidden();
    await reply.click();
    await bob.send('the answer');
    await expect(bar).toBeHidden();

    for (const u of [alice, bob]) {
      const quote = u.messages('the answer').getByTestId('quote');
      await expect(quote.locator('.quote-author')).toHaveText('alice');
      await expect(quote.locator('.quote-text')).toHaveText('the original question');
    }
    await expect(alice.messages('the answer')).toBeInViewport();
    await expect(alice.messages('the original question')).not.toBeInViewport();
    await alice.messages('the answer').getByTestId('quote').click();
    await expect(alice.messages('the original question')).toBeInViewport();
    await expect(alice.messages('the original question')).toBeFocused();
    await expect(alice.messages('the original question')).toHaveClass(/\bflash\b/);

    // Once the original is deleted, the quote says so rather than quoting it.
    const original = await rowOf(alice, 'the original question');
    await original(alice).getByRole('button', { name: 'Delete' }).click();
    await original(alice)
      .getByRole('group', { name: 'Delete this message?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    for (const u of [alice, bob]) {
      await expect(u.messages('the answer').locator('.quote-text')).toHaveText('deleted message');
      expect(u.problems).toEqual([]);
    }
  });
});

test('a mention raises a badge, a hidden tab gets a notification, news get a divider', async ({
  user,
}) => {
  const alice = await user('Alice', { account: { username: 'alice', password: PASSWORD } });
  const bob = await user('Bob', {
    account: { username: 'bob', password: PASSWORD },
    prepare: async (context) => {
      await context.grantPermissions(['notifications']);
      await recordNotifications(context);
    },
  });
  // Permission granted beforehand: nothing to enable, and nothing was asked unprompted.
  await expect(bob.page.locator('#notify-status')).toHaveText(/Notifications are on/);
  await expect(bob.page.getByRole('button', { name: 'Enable notifications' })).toBeHidden();

  for (const u of [alice, bob]) {
    await u.page.getByLabel('Join or create a room').fill('dev');
    await u.page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(u.page.locator('#room-title')).toHaveText('#dev');
  }
  await alice.send('old news');
  await expect(bob.messages('old news')).toHaveCount(1);
  await sidebarEntry(bob, 'general').click();
  await expect(bob.page.locator('#room-title')).toHaveText('#general');

  await alice.send('@bob can you look at this?');
  const entry = sidebarEntry(bob, 'dev');
  await expect(entry.getByTestId('mentions')).toHaveText('@1');
  await expect(entry.getByTestId('mentions')).toHaveAttribute('aria-label', '1 mention');
  await expect(entry.getByTestId('unread')).toHaveText('1');
  // While the page is visible the badge is enough: no notification.
  expect((await notificationLog(bob.page)).shown).toEqual([]);

  await setHidden(bob.page, true);
  await alice.send('@bob still there?');
  await expect(entry.getByTestId('mentions')).toHaveText('@2');
  await expect
    .poll(async () => (await notificationLog(bob.page)).shown)
    .toEqual([{ title: 'Alice mentioned you in #dev', body: '@bob still there?' }]);
  await setHidden(bob.page, false);

  await entry.click();
  await expect(entry.getByTestId('mentions')).toHaveCount(0);
  await expect(entry.getByTestId('unread')).toHaveCount(0);
  // The divider stands before the first message that was new, after what was read.
  const rows = bob.page.locator('#message-list > li');
  const texts = await rows.evaluateAll((items) =>
    items
      .filter((li) => li.matches('[data-testid="message"], [data-testid="new-divider"]'))
      .map((li) => li.querySelector('.msg-text')?.textContent ?? li.textContent),
  );
  expect(texts).toEqual([
    'old news',
    'New messages',
    '@bob can you look at this?',
    '@bob still there?',
  ]);
  await expect(bob.messages('@bob still there?')).toHaveClass(/\bmentions-me\b/);
  expect((await notificationLog(bob.page)).asked).toBe(0);
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});

test('notifications are asked for only through the visible control', async ({ user }) => {
  const carol = await user('carol', { prepare: recordNotifications });
  const enable = carol.page.getByRole('button', { name: 'Enable notifications' });
  await expect(enable).toBeVisible();
  expect((await notificationLog(carol.page)).asked).toBe(0);
  await enable.click();
  await expect.poll(async () => (await notificationLog(carol.page)).asked).toBe(1);
  expect(carol.problems).toEqual([]);
});

test('reading a conversation in one tab clears its count in the user’s other tab', async ({
  user,
  tab,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  const bobAgain = await tab(bob);
  await alice.page.getByRole('button', { name: 'Message bob' }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('bob');
  await alice.send('psst');
  for (const u of [bob, bobAgain]) {
    await expect(directEntries(u).getByTestId('unread')).toHaveText('1');
  }
  await directEntries(bob).click();
  await expect(bob.messages('psst')).toHaveCount(1);
  // The other tab stays in general, yet the count goes: the server told it.
  await expect(directEntries(bobAgain).getByTestId('unread')).toHaveCount(0);
  await expect(bobAgain.page.locator('#room-title')).toHaveText('#general');
  for (const u of [alice, bob, bobAgain]) expect(u.problems).toEqual([]);
});
