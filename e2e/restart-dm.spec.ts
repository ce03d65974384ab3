import { expect, test } from './support/fixtures.js';

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

  // Bob goes: once the server says so, the header says when he was last seen.
  await bob.page.goto('about:blank');
  await expect(where).toHaveText(/^last seen at \d{1,2}:\d{2}/);
  await expect(title).toHaveText('bob');
});
