import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

// How long a room keeps its messages (docs/protocol.md, section 9), and the return after an
// absence longer than a rejoin replays. Whoever opens a new room owns it, so each test's
// owner joins its fresh room first.

const ROOM = 'den';

async function joinRoom(u: ChatUser, room = ROOM): Promise<void> {
  await u.page.getByLabel('Join or create a room').fill(room);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${room}`);
  await expect(u.page.locator('#room-count')).toContainText('online');
}

const notice = (u: ChatUser, text: string) =>
  u.page.getByTestId('notice').filter({ hasText: text });

const retentionLine = (u: ChatUser) => u.page.locator('#room-retention');
const keepButton = (u: ChatUser) => u.page.getByRole('button', { name: 'Keep messages…' });
const keepForm = (u: ChatUser) => u.page.getByRole('form', { name: 'Keep messages' });

test('an owner keeps messages 7 days: the room is told at once, a moderator has no say, and removed they are kept for good', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const mona = await user('mona');
  await joinRoom(mona);
  const bob = await user('bob');
  await joinRoom(bob);
  await olga.page.getByRole('button', { name: 'Moderate mona' }).click();
  await olga.page
    .getByRole('group', { name: 'Moderate mona' })
    .getByRole('button', { name: 'Make moderator' })
    .click();
  await expect(notice(mona, 'You are now a moderator')).toHaveCount(1);

  // Kept for good, nothing says otherwise; moderators run the topic, not the retention.
  for (const u of [olga, mona, bob]) await expect(retentionLine(u)).toBeHidden();
  await expect(mona.page.getByRole('button', { name: 'Add a topic' })).toBeVisible();
  await expect(keepButton(mona)).toHaveCount(0);
  await expect(keepButton(bob)).toHaveCount(0);

  await keepButton(olga).click();
  const form = keepForm(olga);
  await expect(form.getByRole('radio', { name: 'Forever' })).toBeChecked();
  await expect(form.getByRole('radio', { name: 'Forever' })).toBeFocused();
  await form.getByLabel('Days to keep messages').fill('7');
  await expect(form.getByRole('radio', { name: 'For a number of days' })).toBeChecked();
  await shoot(olga.page, 'retention-control');
  await form.getByRole('button', { name: 'Save' }).click();

  const sevenDays = 'Messages are deleted 7 days after they are sent (this room’s setting).';
  for (const u of [olga, mona, bob]) await expect(retentionLine(u)).toHaveText(sevenDays);
  await expect(notice(bob, 'olga set messages to be deleted after 7 days')).toHaveCount(1);
  await expect(notice(olga, 'You set messages to be deleted after 7 days')).toHaveCount(1);
  await expect(form).toBeHidden();
  await expect(keepButton(olga)).toBeFocused();
  await expect(keepButton(mona)).toHaveCount(0);

  // Opened again, the form shows the room's setting; "Forever" takes it away.
  await keepButton(olga).click();
  await expect(form.getByRole('radio', { name: 'For a number of days' })).toBeChecked();
  await expect(form.getByLabel('Days to keep messages')).toHaveValue('7');
  await form.getByRole('radio', { name: 'Forever' }).check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(notice(bob, 'olga set messages to be kept for good')).toHaveCount(1);
  for (const u of [olga, mona, bob]) await expect(retentionLine(u)).toBeHidden();
  for (const u of [olga, mona, bob]) expect(u.problems).toEqual([]);
});

test.describe('on a server that deletes messages after 30 days', () => {
  test.use({ serverEnv: { RETENTION_DAYS: '30' } });

  test('the room says so, and a room may keep them less long but not longer', async ({ user }) => {
    const olga = await user('olga');
    await joinRoom(olga);
    const bob = await user('bob');
    await joinRoom(bob);
    const byServer = 'Messages are deleted 30 days after they are sent (this server’s setting).';
    for (const u of [olga, bob]) await expect(retentionLine(u)).toHaveText(byServer);

    await keepButton(olga).click();
    const form = keepForm(olga);
    await expect(
      form.getByRole('radio', { name: 'As long as the server keeps them (30 days)' }),
    ).toBeChecked();
    const days = form.getByLabel('Days to keep messages');
    // Not a number of days: the page says what it takes, and nothing is sent.
    await days.fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByRole('alert')).toHaveText(
      'Enter a whole number of days, from 1 to 36500.',
    );
    await expect(days).toBeFocused();
    // Longer than the server keeps them: the server's refusal, where the form shows errors.
    await days.fill('40');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByRole('alert')).toHaveText(
      'this server deletes messages after 30 days; a room may keep them less long only',
    );
    await expect(days).toBeFocused();
    for (const u of [olga, bob]) await expect(retentionLine(u)).toHaveText(byServer);

    await days.fill('10');
    await form.getByRole('button', { name: 'Save' }).click();
    const byRoom = 'Messages are deleted 10 days after they are sent (this room’s setting).';
    for (const u of [olga, bob]) await expect(retentionLine(u)).toHaveText(byRoom);
    await expect(notice(bob, 'olga set messages to be deleted after 10 days')).toHaveCount(1);

    // Without its own, the room keeps them as the server does again.
    await keepButton(olga).click();
    await form.getByRole('radio', { name: 'Forever' }).check();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(
      notice(bob, 'olga set messages to be deleted after 30 days, as the server does'),
    ).toHaveCount(1);
    for (const u of [olga, bob]) await expect(retentionLine(u)).toHaveText(byServer);
    for (const u of [olga, bob]) expect(u.problems).toEqual([]);
  });
});

test.describe('when more was posted during an absence than a rejoin replays', () => {
  test.use({ serverEnv: { HISTORY_LIMIT: '5', HISTORY_PAGE: '3', RATE_LIMIT_BURST: '50' } });

  test('the newest page shows with a notice, what waited is sent, and "load earlier" brings every message once, in order', async ({
    user,
  }) => {
    const alice = await user('alice');
    const bob = await user('bob');
    for (const text of ['before 1', 'before 2']) {
      await bob.send(text);
      await expect(alice.messages(text)).toHaveCount(1);
    }

    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.send('written while away');
    await expect(alice.messages('written while away')).toHaveAttribute('data-status', 'pending');
    const missed = Array.from({ length: 8 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed) {
      await bob.send(text);
      await expect(bob.messages(text)).toHaveAttribute('data-status', 'sent');
    }
    await alice.context.setOffline(false);
    await expect(alice.status).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });

    const texts = alice.page.getByTestId('message').locator('.msg-text');
    await expect(alice.messages('written while away')).toHaveAttribute('data-status', 'sent');
    await expect(bob.messages('written while away')).toHaveCount(1);
    // Only the newest page, not the old timeline with a hole after it.
    await expect(texts).toHaveText(['missed 6', 'missed 7', 'missed 8', 'written while away']);
    await expect(alice.page.getByTestId('gap-notice')).toHaveText(
      /^More was posted while you were away than can be caught up at once/,
    );

    const earlier = alice.page.getByRole('button', { name: 'Load earlier messages' });
    for (const shown of [7, 10, 11]) {
      await earlier.click();
      await expect(texts).toHaveCount(shown);
    }
    await expect(earlier).toBeHidden();
    await expect(texts).toHaveText(['before 1', 'before 2', ...missed, 'written while away']);
    expect(alice.problems).toEqual([]);
  });
});
