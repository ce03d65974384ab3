import { expect, problemsBesidesDowntime, signIn, test } from './support/fixtures.js';

test.describe('STORE=sqlite', () => {
  test.use({ serverEnv: { STORE: 'sqlite' } });

  {
    test(`server restart mid-conversation: reconnecting, connected, offline messages delivered once, history and sessions kept`, async ({
      user,
      server,
    }) => {
      const alice = await user('alice');
      const bob = await user('bob');
      await alice.send('before the restart');
      await expect(bob.messages('before the restart')).toHaveCount(1);

      await server.stop();
      await expect(alice.status).toHaveAttribute('data-state', 'reconnecting');
      await expect(bob.status).toHaveAttribute('data-state', 'reconnecting');
      await expect(alice.page.locator('#status-text')).toHaveText('Reconnecting…');

      // Typed while the server is down: shown as pending.
      await alice.send('typed while offline');
      await bob.send('bob during the outage');
      await expect(alice.messages('typed while offline')).toHaveAttribute('data-status', 'pending');

      await server.start();
      await expect(alice.status).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
      await expect(bob.status).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });

      for (const u of [alice, bob]) {
        await expect(u.messages('typed while offline')).toHaveCount(1);
        await expect(u.messages('bob during the outage')).toHaveCount(1);
        await expect(u.messages('before the restart')).toHaveCount(1);
      }
      await expect(alice.messages('typed while offline')).toHaveAttribute('data-status', 'sent');
      await expect(bob.messages('bob during the outage')).toHaveAttribute('data-status', 'sent');
      // The history survived the restart: nothing is missing, so nothing is said, and a
      // newcomer sees what was written before it.
      await expect(alice.page.getByTestId('gap-notice')).toHaveCount(0);
      const carol = await user('carol');
      await expect(carol.messages('before the restart')).toHaveCount(1);

      // Nothing arrives twice later on either.
      await bob.send('after recovery');
      await expect(alice.messages('after recovery')).toHaveCount(1);
      for (const u of [alice, bob]) {
        await expect(u.messages('typed while offline')).toHaveCount(1);
        await expect(u.messages('bob during the outage')).toHaveCount(1);
      }
    });
  }
});

test.describe('STORE=memory', () => {
  test.use({ serverEnv: { STORE: 'memory' } });

  test('a restart forgets every session, and the page says so on the sign-in screen', async ({
    user,
    server,
  }) => {
    const alice = await user('alice');
    await alice.send('before the restart');
    await server.stop();
    await expect(alice.status).toHaveAttribute('data-state', 'reconnecting');
    await server.start();
    const dialog = alice.page.getByRole('dialog', { name: 'Sign in to chat' });
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect(dialog.locator('#auth-reason')).toHaveText(/session has ended/);
    await signIn(alice.page, 'alice');
    await expect(alice.status).toHaveAttribute('data-state', 'connected');
    // Nothing was kept on disk: the room starts empty.
    await expect(alice.messages('before the restart')).toHaveCount(0);
    expect(problemsBesidesDowntime(alice)).toEqual([]);
  });
});

test('reload: the name, the joined rooms and the room in view come back, with history', async ({
  user,
}) => {
  const alice = await user('alice');
  await alice.send('in general');
  await alice.page.getByLabel('Join or create a room').fill('dev');
  await alice.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('#dev');
  await alice.send('in dev');
  await expect(alice.messages('in dev')).toHaveAttribute('data-status', 'sent');

  await alice.page.reload();
  await expect(alice.page.getByRole('dialog', { name: 'Sign in to chat' })).toBeHidden();
  await expect(alice.status).toHaveAttribute('data-state', 'connected');
  await expect(alice.page.locator('#me-name')).toHaveText('alice');
  await expect(alice.page.locator('#joined-rooms .room-name')).toHaveText(['#general', '#dev']);
  await expect(alice.page.locator('#room-title')).toHaveText('#dev');
  await expect(alice.messages('in dev')).toHaveCount(1);
  await alice.page.locator('#joined-rooms [data-room="general"]').click();
  await expect(alice.messages('in general')).toHaveCount(1);
  expect(alice.problems).toEqual([]);
});
