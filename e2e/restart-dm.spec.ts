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
