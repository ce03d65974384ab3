import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

interface Shown {
  title: string;
  body: string;
}

/**
 * Records every `new Notification(...)` of the page around the browser's own, and lets the
 * test hide the page as a switch to another tab would, as far as the page can tell.
 */
async function spyOnNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: Shown[] = [];
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '' });
      }
      static override get permission(): NotificationPermission {
        return Real.permission;
      }
    }
    let hidden = false;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    Object.assign(window, {
      shownNotifications: shown,
      setHidden: (value: boolean) => {
        hidden = value;
        document.dispatchEvent(new Event('visibilitychange'));
      },
    });
    Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
  });
}

const shownOn = (page: Page) =>
  page.evaluate(() => (window as unknown as { shownNotifications: Shown[] }).shownNotifications);

/** The browser's question about notifications answers `answer` at once. */
const answerPermission = (answer: NotificationPermission) => (context: BrowserContext) =>
  context.addInitScript((value) => {
    Notification.requestPermission = () => Promise.resolve(value);
  }, answer);

test.describe('STORE=sqlite', () => {
  test.use({ serverEnv: { STORE: 'sqlite' } });

  test('a created room without messages is still listed after a restart, with its topic', async ({
    user,
    server,
  }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    await alice.page.getByText('Create a room with settings').click();
    const create = alice.page.locator('#create-form');
    await create.getByLabel('Room name').fill('Quiet Corner');
    await create.getByLabel('Topic (optional)').fill('nothing said yet');
    await create.getByRole('button', { name: 'Create room' }).click();
    await expect(alice.page.locator('#room-title')).toHaveText('#quiet-corner');
    const listed = bob.page.locator('#all-rooms [data-room="quiet-corner"]');
    await expect(listed).toContainText('1');
    // Nobody is left in it and nothing was written in it.
    await alice.page.getByRole('button', { name: 'Leave room' }).click();
    await expect(alice.page.locator('#joined-rooms [data-room="quiet-corner"]')).toHaveCount(0);

    await server.stop();
    await expect(bob.status).toHaveAttribute('data-state', 'reconnecting');
    await server.start();
    await expect(bob.status).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });

    await expect(listed).toContainText('0');
    await listed.click();
    await expect(bob.page.locator('#room-title')).toHaveText('#quiet-corner');
    await expect(bob.page.locator('#room-topic')).toHaveText('nothing said yet');
  });
});

test.describe('STORE=sqlite, presence', () => {
  test.use({ serverEnv: { STORE: 'sqlite' } });

  test('after a server restart, people who were there and come back are not announced', async ({
    user,
    server,
  }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    const presenceNotices = (u: typeof alice) =>
      u.page.getByTestId('notice').filter({ hasText: /\b(joined|left)$/ });
    await expect(presenceNotices(alice)).toHaveText(['bob joined']);
    await expect(presenceNotices(bob)).toHaveCount(0);

    await server.stop();
    await expect(alice.status).toHaveAttribute('data-state', 'reconnecting');
    await expect(bob.status).toHaveAttribute('data-state', 'reconnecting');
    await server.start();
    await expect(alice.status).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(bob.status).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    // Each has rejoined: a message of each reaches the other (after their join, if any, was
    // announced on the same connection).
    await alice.send('alice is back');
    await bob.send('bob is back');
    await expect(bob.messages('alice is back')).toHaveCount(1);
    await expect(alice.messages('bob is back')).toHaveCount(1);
    await expect(alice.page.locator('#room-count')).toHaveText('2 members online');
    // A short wait, only to show that no late notice follows.
    await alice.page.waitForTimeout(1500);
    await expect(presenceNotices(alice)).toHaveText(['bob joined']);
    await expect(presenceNotices(bob)).toHaveCount(0);
  });
});

test('a direct conversation’s header names the other person and where they are, with no head count and no “Message” for them', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await alice.page.getByRole('button', { name: 'Message bob' }).click();
  const title = alice.page.locator('#room-title');
  const where = alice.page.locator('#room-count');
  await expect(title).toHaveText('bob');
  // Bob is in general with her: online, though he has not opened the conversation yet.
  await expect(where).toHaveText('online');
  await alice.send('a word in private');
  const entry = bob.page.locator('#direct-list .room-button');
  await expect(entry).toContainText('alice');
  await entry.click();
  await expect(bob.page.locator('#room-title')).toHaveText('alice');
  await expect(bob.page.locator('#room-count')).toHaveText('online');

  // Both are listed beside the conversation, and nobody is offered to write to the other.
  const members = alice.page.getByTestId('member');
  await expect(members).toHaveCount(2);
  await expect(alice.page.getByRole('button', { name: 'Message bob' })).toHaveCount(0);
  await expect(bob.page.getByRole('button', { name: 'Message alice' })).toHaveCount(0);
  await expect(where).not.toContainText('member');
  await shoot(alice.page, 'direct-header');

  // Bob goes: once the server says so, the header says when he was last seen.
  await bob.page.goto('about:blank');
  await expect(where).toHaveText(/^last seen at \d{1,2}:\d{2}/);
  await expect(title).toHaveText('bob');
});

test('a direct message without a mention notifies a hidden tab, once, with the sender’s name', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob', {
    prepare: async (context) => {
      await context.grantPermissions(['notifications']);
      await spyOnNotifications(context);
    },
  });
  await expect(bob.page.locator('#notify-status')).toHaveText(
    'Notifications are on for mentions and direct messages while the chat is hidden.',
  );
  await bob.page.evaluate(() => {
    (window as unknown as { setHidden: (hidden: boolean) => void }).setHidden(true);
  });
  await alice.page.getByRole('button', { name: 'Message bob' }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('bob');
  await alice.send('are you around?');
  await expect(bob.page.locator('#direct-list .room-button').getByTestId('unread')).toHaveText('1');
  await expect
    .poll(() => shownOn(bob.page))
    .toEqual([{ title: 'alice sent you a direct message', body: 'are you around?' }]);
  // Her own message notifies nobody on her side, and a room message without a mention
  // notifies nobody on his.
  await alice.page.locator('#joined-rooms [data-room="general"]').click();
  await alice.send('hello room');
  await expect(bob.messages('hello room')).toHaveCount(1);
  expect(await shownOn(bob.page)).toHaveLength(1);
});

test('a refused or dismissed question about notifications is answered in words', async ({
  user,
}) => {
  const carol = await user('carol', { prepare: answerPermission('denied') });
  await carol.page.getByRole('button', { name: 'Enable notifications' }).click();
  await expect(carol.page.locator('#notify-status')).toHaveText(
    'Notifications are blocked in this browser; allow them in the site settings to be told of mentions and direct messages.',
  );
  await shoot(carol.page, 'notifications-blocked');

  const dan = await user('dan', { prepare: answerPermission('default') });
  const enable = dan.page.getByRole('button', { name: 'Enable notifications' });
  await enable.click();
  await expect(dan.page.locator('#notify-status')).toHaveText(
    'Notifications are still off: the browser’s question was dismissed. Enable them to be told of mentions and direct messages.',
  );
  // Dismissed, it may be asked again.
  await expect(enable).toBeVisible();
});
