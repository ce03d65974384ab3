import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

const title = (u: ChatUser) => u.page.locator('#room-title');
const joinRoom = async (u: ChatUser, room: string) => {
  await u.page.getByLabel('Join or create a room').fill(room);
  await u.page.locator('#join-form button[type="submit"]').click();
  await expect(title(u)).toHaveText(`#${room}`);
};

test('a link naming a room opens it after sign-in, the query kept', async ({ user }) => {
  const alice = await user('Alice', { query: '?transport=polling#/room/lobby' });
  await expect(title(alice)).toHaveText('#lobby');
  await expect(alice.page.locator('#joined-rooms [data-room="lobby"]')).toBeVisible();
  await expect(alice.transport).toHaveAttribute('data-transport', 'polling');
  await alice.send('here by link');
  await expect(alice.messages('here by link')).toBeVisible();
  expect(new URL(alice.page.url()).search).toBe('?transport=polling');
});

test('switching rooms adds history entries; Back and Forward switch rooms', async ({ user }) => {
  const alice = await user('Alice');
  await expect(title(alice)).toHaveText('#general');
  await expect(alice.page).toHaveURL(/#\/room\/general$/);
  await joinRoom(alice, 'first');
  await expect(alice.page).toHaveURL(/#\/room\/first$/);
  await joinRoom(alice, 'second');
  await expect(alice.page).toHaveURL(/#\/room\/second$/);

  await alice.page.goBack();
  await expect(title(alice)).toHaveText('#first');
  await alice.page.goBack();
  await expect(title(alice)).toHaveText('#general');
  await alice.page.goForward();
  await expect(title(alice)).toHaveText('#first');
  await alice.page.goForward();
  await expect(title(alice)).toHaveText('#second');

  // Picking a room in the list is a step of its own too.
  await alice.page.locator('#joined-rooms [data-room="general"]').click();
  await expect(title(alice)).toHaveText('#general');
  await alice.page.goBack();
  await expect(title(alice)).toHaveText('#second');
  expect(alice.problems).toEqual([]);
});

test('"Mark all as read" clears every badge, in the other tab too', async ({ user, tab }) => {
  test.slow(); // three pages, two users
  const alice = await user('Alice');
  const bob = await user('Bob');
  for (const room of ['first', 'second']) {
    await joinRoom(alice, room);
    await joinRoom(bob, room);
  }
  await alice.page.locator('#joined-rooms [data-room="general"]').click();
  await expect(title(alice)).toHaveText('#general');
  const other = await tab(alice);
  await expect(title(other)).toHaveText('#general');
  await bob.page.locator('#joined-rooms [data-room="first"]').click();
  await bob.send('one for first');
  await bob.page.locator('#joined-rooms [data-room="second"]').click();
  await bob.send('one for second');
  await bob.send('two for second');

  const badges = (u: ChatUser) => u.page.locator('#rooms-panel [data-testid="unread"]');
  const badge = (u: ChatUser, room: string) =>
    u.page.locator(`#joined-rooms [data-room="${room}"] [data-testid="unread"]`);
  for (const u of [alice, other]) {
    await expect(badge(u, 'first')).toHaveText('1');
    await expect(badge(u, 'second')).toHaveText('2');
  }
  await shoot(alice.page, 'unread-badges');
  await alice.page.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(badges(alice)).toHaveCount(0);
  await expect(badges(other)).toHaveCount(0);
  expect(alice.problems).toEqual([]);
});

test.describe('links to messages', () => {
  test.use({ serverEnv: { HISTORY_PAGE: '5', RATE_LIMIT_BURST: '50' } });

  test('"Copy link" on an old message; opening the link loads back to it and highlights it', async ({
    user,
  }) => {
    test.slow(); // fifteen messages sent through the page
    const alice = await user('Alice');
    await joinRoom(alice, 'archive');
    await alice.send('the old one');
    for (let i = 1; i <= 14; i++) await alice.send(`later ${i}`);
    await expect(alice.messages('later 14')).toBeVisible();
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const old = alice.messages('the old one');
    await old.hover();
    await old.getByRole('button', { name: 'Copy link' }).click();
    await expect(old).toContainText('Link copied:');
    const link = await alice.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/#\/room\/archive\/message\/[^/]+$/);

    const hash = new URL(link).hash;
    const bob = await user('Bob', { query: hash });
    await expect(title(bob)).toHaveText('#archive');
    const found = bob.messages('the old one');
    await expect(found).toBeInViewport();
    await expect(found).toHaveClass(/\blinked\b/);
    await expect(found).toHaveAttribute('aria-current', 'true');
    // Only the one message is marked.
    await expect(bob.page.locator('.msg.linked')).toHaveCount(1);
    await shoot(bob.page, 'linked-message');
    expect(bob.problems).toEqual([]);
  });

  test('a link to a message that is not there says so', async ({ user }) => {
    const alice = await user('Alice', { query: '#/room/general/message/1-0' });
    await expect(title(alice)).toHaveText('#general');
    await expect(alice.page.locator('#link-note-text')).toHaveText(
      'The linked message is no longer in #general: it was deleted or is too old.',
    );
  });
});

test('"Account": changing the password signs out the other browsers, not this one', async ({
  user,
}) => {
  test.slow(); // two browsers and four password hashes
  const account = { username: 'lena', password: 'first password' };
  const laptop = await user('Lena', { account });
  const phone = await user('Lena', { account: { ...account, existing: true } });
  await laptop.page.getByRole('button', { name: 'Account' }).click();
  const dialog = laptop.page.getByRole('dialog', { name: 'Account' });
  await expect(dialog).toContainText('signs you out on your other devices and browsers');
  await dialog.getByLabel('Current password').fill('not it at all');
  await dialog.getByLabel('New password').fill('second password');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.locator('#password-error')).toHaveText('wrong password');

  await dialog.getByLabel('Current password').fill('first password');
  await dialog.getByLabel('New password').fill('second password');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.getByRole('status')).toContainText('Password changed.');
  // The other browser is back at the sign-in screen; this one is still in.
  await expect(phone.page.getByRole('dialog', { name: 'Sign in to chat' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await laptop.send('still here');
  await expect(laptop.messages('still here')).toHaveAttribute('data-status', 'sent');

  const signIn = phone.page.getByRole('dialog', { name: 'Sign in to chat' });
  await signIn.locator('button.mode[data-mode="login"]').click();
  await signIn.getByLabel('Username').fill('lena');
  await signIn.getByLabel('Password').fill('second password');
  await signIn.locator('#auth-submit').click();
  await expect(phone.status).toHaveAttribute('data-state', 'connected');
  expect(laptop.problems.filter((p) => !p.includes('401'))).toEqual([]);
});

test('"Account": deleting says what happens, signs out every browser, and the messages stay as from "Deleted user"', async ({
  user,
}) => {
  test.slow(); // three browsers and several password hashes
  const account = { username: 'mira', password: 'mira’s password' };
  const laptop = await user('Mira', { account });
  const phone = await user('Mira', { account: { ...account, existing: true } });
  const otto = await user('Otto');
  await laptop.send('written before leaving');
  await expect(otto.messages('written before leaving').locator('.msg-author')).toHaveText('Mira');

  await laptop.page.getByRole('button', { name: 'Account' }).click();
  const dialog = laptop.page.getByRole('dialog', { name: 'Account' });
  await expect(dialog.locator('#delete-what')).toHaveText(
    'Your messages stay, shown as from “Deleted user”. Your username becomes free for anyone to sign up with. You are signed out everywhere. This cannot be undone.',
  );
  const password = dialog.getByRole('textbox', { name: 'Password', exact: true });
  await password.fill('not it at all');
  await dialog.getByRole('button', { name: 'Delete account' }).click();
  await expect(dialog.locator('#delete-error')).toHaveText('wrong password');
  await shoot(laptop.page, 'account-dialog');

  await password.fill(account.password);
  await dialog.getByRole('button', { name: 'Delete account' }).click();
  const signIn = laptop.page.getByRole('dialog', { name: 'Sign in to chat' });
  await expect(signIn).toBeVisible();
  await expect(signIn.locator('#auth-reason')).toHaveText('Your account was deleted.');
  // The other browser of the account is signed out too.
  await expect(phone.page.getByRole('dialog', { name: 'Sign in to chat' })).toBeVisible();

  // Otto, after a reload, sees the message kept, from "Deleted user".
  await otto.page.reload();
  await expect(otto.messages('written before leaving').locator('.msg-author')).toHaveText(
    'Deleted user',
  );
  // The old password no longer signs in.
  await signIn.locator('button.mode[data-mode="login"]').click();
  await signIn.getByLabel('Username').fill(account.username);
  await signIn.getByLabel('Password').fill(account.password);
  await signIn.locator('#auth-submit').click();
  await expect(signIn.locator('#auth-error')).not.toBeEmpty();
  expect(laptop.problems.filter((p) => !p.includes('401'))).toEqual([]);
});
