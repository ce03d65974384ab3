import { expect, problemsBesidesDowntime, signIn, test } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

const PASSWORD = 'correct horse battery';

test('sign up, chat, reload, restart the server: history and the session are still there', async ({
  user,
  server,
}) => {
  const alice = await user('Alice', { account: { username: 'alice', password: PASSWORD } });
  await expect(alice.page.locator('#me-name')).toHaveText('Alice');
  await alice.send('kept across restarts');
  await expect(alice.messages('kept across restarts')).toHaveAttribute('data-status', 'sent');

  await alice.page.reload();
  await expect(alice.status).toHaveAttribute('data-state', 'connected');
  await expect(alice.page.locator('#me-name')).toHaveText('Alice');
  await expect(alice.messages('kept across restarts')).toHaveCount(1);

  await server.stop();
  await server.start();
  await alice.page.reload();
  // No sign-in screen: the session survived in SQLite, and so did the history.
  await expect(alice.page.getByRole('dialog', { name: 'Sign in to chat' })).toBeHidden();
  await expect(alice.status).toHaveAttribute('data-state', 'connected');
  await expect(alice.page.locator('#me-name')).toHaveText('Alice');
  await expect(alice.messages('kept across restarts')).toHaveCount(1);
  await expect(alice.messages('kept across restarts')).toHaveClass(/own/);
  expect(problemsBesidesDowntime(alice)).toEqual([]);
});

test('a second user cannot appear under the first user’s name', async ({ user, page, server }) => {
  const alice = await user('Alice', { account: { username: 'alice', password: PASSWORD } });
  await alice.send('I am the real Alice');

  // A guest asking for the name, or a look-alike of it, is refused on the sign-in screen.
  await page.goto(`${server.url}/`);
  const dialog = page.getByRole('dialog', { name: 'Sign in to chat' });
  await dialog.locator('button.mode[data-mode="guest"]').click();
  for (const name of ['Alice', 'ALICE', '\u0410lice', 'Al\u200bice']) {
    await dialog.getByLabel('Your name').fill(name);
    await dialog.locator('#auth-submit').click();
    await expect(dialog.locator('#auth-error')).not.toBeEmpty();
  }
  await expect(dialog.locator('#auth-error')).toHaveText(/invisible|belongs/);
  // Nor can an account be made under it.
  await dialog.locator('button.mode[data-mode="signup"]').click();
  await dialog.getByLabel('Username').fill('mallory');
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByLabel('Display name (optional)').fill('alice');
  await dialog.locator('#auth-submit').click();
  await expect(dialog.locator('#auth-error')).toHaveText(/belongs to someone else/);

  // Under a name of their own, their messages are theirs, and Alice's are not.
  await signIn(page, 'Mallory');
  const mine = page.getByTestId('message').filter({ hasText: 'I am the real Alice' });
  await expect(mine).toHaveCount(1);
  await expect(mine).not.toHaveClass(/own/);
  await page.getByRole('textbox', { name: 'Message' }).fill('hello from mallory');
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  const theirs = alice.messages('hello from mallory');
  await expect(theirs).toHaveCount(1);
  await expect(theirs).not.toHaveClass(/own/);
  await expect(alice.page.getByTestId('member')).toHaveText(['AAlice@alice(you)', 'MMallory']);
});

test('two tabs of one user are one member, and a rename is announced as a rename', async ({
  user,
  tab,
}) => {
  const alice = await user('Alice', { account: { username: 'alice', password: PASSWORD } });
  const bob = await user('bob');
  await expect(bob.page.getByTestId('member')).toHaveText(['AAlice@alice', 'Bbob(you)']);

  const second = await tab(alice);
  await expect(second.page.locator('#me-name')).toHaveText('Alice');
  await second.send('from the second tab');
  // Both tabs show it as Alice's own; bob sees one Alice and no second join.
  await expect(alice.messages('from the second tab')).toHaveClass(/own/);
  await expect(bob.messages('from the second tab')).toHaveCount(1);
  await expect(bob.page.getByTestId('member')).toHaveText(['AAlice@alice', 'Bbob(you)']);
  await expect(bob.page.locator('#room-count')).toHaveText('2 members online');
  // The second tab's join would have come before its message: there was none.
  await expect(bob.page.getByTestId('notice').filter({ hasText: 'Alice joined' })).toHaveCount(0);

  // Closing one tab is no leave: the other is still there.
  await second.page.close();
  await bob.send('still here?');
  await expect(alice.messages('still here?')).toHaveCount(1);
  await expect(bob.page.getByTestId('notice').filter({ hasText: 'Alice left' })).toHaveCount(0);

  await alice.page.getByRole('button', { name: 'Change name' }).click();
  await alice.page
    .getByRole('dialog', { name: 'Change your name' })
    .getByLabel('Display name')
    .fill('Alicia');
  await alice.page.getByRole('button', { name: 'Save' }).click();
  await expect(alice.page.locator('#me-name')).toHaveText('Alicia');
  await expect(
    bob.page.getByTestId('notice').filter({ hasText: 'Alice is now Alicia' }),
  ).toBeVisible();
  await expect(bob.page.getByTestId('member')).toHaveText(['AAlicia@alice', 'Bbob(you)']);
  expect(bob.problems).toEqual([]);
});

test('signing out in one tab signs out the other, which says why', async ({ user, tab }) => {
  const alice = await user('Alice', { account: { username: 'alice', password: PASSWORD } });
  const second = await tab(alice);
  await alice.page.getByRole('button', { name: 'Sign out', exact: true }).click();
  for (const page of [alice.page, second.page]) {
    const dialog = page.getByRole('dialog', { name: 'Sign in to chat' });
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('#auth-reason')).toHaveText(/signed out/);
  }
  // Signing in again works, with the same account.
  await signIn(second.page, 'Alice', { username: 'alice', password: PASSWORD, existing: true });
  await expect(second.status).toHaveAttribute('data-state', 'connected');
  await expect(second.page.locator('#me-name')).toHaveText('Alice');
});

test('the sign-in screen stands alone, says a sign-out calmly, and offers an account holder their account first', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  const dialog = page.getByRole('dialog', { name: 'Sign in to chat' });
  await expect(dialog).toBeVisible();
  // Nothing of a session behind it: no sign-out links, no "Connecting…".
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeHidden();
  await expect(page.locator('#status')).toBeHidden();
  // A browser that never signed in starts as a guest, where guests may chat.
  await expect(dialog.locator('button.mode[data-mode="guest"]')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await signIn(page, 'Alice', { username: 'alice', password: PASSWORD });
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();

  await expect(dialog).toBeVisible();
  const reason = dialog.locator('#auth-reason');
  await expect(reason).toHaveText('You signed out.');
  await shoot(page, 'signed-out');
  const colour = (selector: string) =>
    dialog.locator(selector).evaluate((e) => getComputedStyle(e).color);
  expect(await colour('#auth-reason')).not.toBe(await colour('#auth-error'));
  // This browser signed in with an account: the screen opens on it, username focused.
  await expect(dialog.locator('button.mode[data-mode="login"]')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(dialog.getByLabel('Username')).toBeFocused();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeHidden();
});
