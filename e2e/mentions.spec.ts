import type { Locator } from '@playwright/test';
import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

const PASSWORD = 'correct horse battery';

const suggestions = (u: ChatUser): Locator =>
  u.page.getByRole('listbox', { name: 'People to mention' });

const memberRow = (u: ChatUser, name: string): Locator =>
  u.page
    .getByTestId('member')
    .filter({ has: u.page.locator('.member-name').getByText(name, { exact: true }) });

/** Bob writes to Alice (username alice1) and Alibaba, a guest, all three in #general. */
async function threeInGeneral(user: (name: string, options?: object) => Promise<ChatUser>) {
  const alice = await user('Alice', { account: { username: 'alice1', password: PASSWORD } });
  const bob = await user('Bob', { account: { username: 'bob', password: PASSWORD } });
  const alibaba = await user('Alibaba');
  // Bob sees both of the others before he writes.
  await expect(memberRow(bob, 'Alice')).toBeVisible();
  await expect(memberRow(bob, 'Alibaba')).toBeVisible();
  return { alice, bob, alibaba };
}

test('@ali suggests Alice as @alice1; Enter picks without sending, and the message mentions her', async ({
  user,
}) => {
  const { alice, bob, alibaba } = await threeInGeneral(user);

  await bob.composer.fill('hi ');
  await bob.composer.pressSequentially('@ali');
  const list = suggestions(bob);
  await expect(list).toBeVisible();
  const options = list.getByRole('option');
  // Both match (the display name, the guest's name), by name; the first is chosen.
  await expect(options).toHaveText([/^AAlibaba\s*guest$/, /^AAlice\s*@alice1$/]);
  await expect(options.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(bob.composer).toHaveAttribute('aria-activedescendant', 'mention-option-0');

  await bob.composer.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(bob.composer).toHaveAttribute('aria-activedescendant', 'mention-option-1');
  await shoot(bob.page, 'mention-suggestions');
  await bob.composer.press('Enter');
  await expect(bob.composer).toHaveValue('hi @alice1 ');
  await expect(list).toBeHidden();
  await expect(bob.composer).not.toHaveAttribute('aria-activedescendant');
  // Picking is not sending: nothing reached the room.
  await expect(bob.page.getByTestId('message')).toHaveCount(0);
  await expect(bob.composer).toBeFocused();

  // Tab picks too; the guest is named by the quoted name.
  await bob.composer.pressSequentially('and @ALI');
  await expect(options).toHaveCount(2);
  await bob.composer.press('Tab');
  await expect(bob.composer).toHaveValue('hi @alice1 and @"Alibaba" ');
  await expect(bob.composer).toBeFocused();
  await bob.composer.pressSequentially('welcome');
  await bob.composer.press('Enter');

  const text = 'hi @alice1 and @"Alibaba" welcome';
  for (const u of [alice, alibaba]) await expect(u.messages(text)).toHaveClass(/\bmentions-me\b/);
  await expect(bob.messages(text)).not.toHaveClass(/\bmentions-me\b/);
  for (const u of [alice, bob, alibaba]) expect(u.problems).toEqual([]);
});

test('a display name typed by hand mentions nobody; a click picks; Escape closes the list only', async ({
  user,
}) => {
  const { alice, bob } = await threeInGeneral(user);
  await alice.send('a question');
  await expect(bob.messages('a question')).toHaveCount(1);

  // The name as the page shows it names nobody: only the username does.
  await bob.send('@Alice hello');
  await expect(alice.messages('@Alice hello')).toHaveCount(1);
  await expect(alice.messages('@Alice hello')).not.toHaveClass(/\bmentions-me\b/);

  // Escape closes the suggestions and leaves the reply (what Escape drops otherwise) alone.
  await bob.messages('a question').getByRole('button', { name: 'Reply' }).click();
  const bar = bob.page.locator('#reply-bar');
  await expect(bar).toBeVisible();
  await bob.composer.pressSequentially('@al');
  const list = suggestions(bob);
  await expect(list).toBeVisible();
  await bob.composer.press('Escape');
  await expect(list).toBeHidden();
  await expect(bar).toBeVisible();
  await expect(bob.composer).toHaveValue('@al');
  // Typing on opens it again; a click on an option picks it.
  await bob.composer.pressSequentially('i');
  await list.getByRole('option', { name: /Alice/ }).click();
  await expect(bob.composer).toHaveValue('@alice1 ');
  await expect(bob.composer).toBeFocused();
  await expect(list).toBeHidden();
  await expect(bar).toBeVisible();
  // Escape with no suggestions open drops the reply, as before.
  await bob.composer.press('Escape');
  await expect(bar).toBeHidden();
  await bob.composer.press('Enter');
  await expect(alice.messages('@alice1')).toHaveClass(/\bmentions-me\b/);
  for (const u of [alice, bob]) expect(u.problems).toEqual([]);
});

test('usernames show in the member list, the profile card and beside one’s own name', async ({
  user,
}) => {
  const { alice, bob, alibaba } = await threeInGeneral(user);
  await expect(memberRow(bob, 'Alice').locator('.member-username')).toHaveText('@alice1');
  await expect(memberRow(bob, 'Bob').locator('.member-username')).toHaveText('@bob');
  await expect(memberRow(bob, 'Alibaba').locator('.member-username')).toHaveCount(0);
  await expect(alice.page.locator('#me-name')).toHaveText('Alice');
  await expect(alice.page.locator('#me-username')).toHaveText('@alice1');
  await expect(alibaba.page.locator('#me-username')).toBeHidden();

  // A member's name opens their card: who they are, and how to mention them.
  const name = memberRow(bob, 'Alice').getByRole('button', { name: 'Alice', exact: true });
  await expect(name).toHaveAttribute('aria-expanded', 'false');
  await name.click();
  const card = bob.page.getByRole('group', { name: 'Profile of Alice' });
  await expect(card).toBeVisible();
  await expect(card.locator('.profile-name')).toHaveText('Alice');
  await expect(card.locator('.profile-username')).toHaveText('@alice1');
  await expect(
    memberRow(bob, 'Alice').getByRole('button', { name: 'Alice', exact: true }),
  ).toHaveAttribute('aria-expanded', 'true');
  await card.getByRole('button', { name: 'Mention Alice' }).click();
  await expect(bob.composer).toHaveValue('@alice1 ');
  await expect(bob.composer).toBeFocused();
  await memberRow(bob, 'Alice').getByRole('button', { name: 'Alice', exact: true }).click();
  await expect(card).toBeHidden();

  // A guest's card says how a guest is mentioned.
  await memberRow(bob, 'Alibaba').getByRole('button', { name: 'Alibaba', exact: true }).click();
  const guestCard = bob.page.getByRole('group', { name: 'Profile of Alibaba' });
  await expect(guestCard.locator('.profile-username')).toHaveText('Guest, mentioned as @"Alibaba"');
  await shoot(bob.page, 'profile-card');
  for (const u of [alice, bob, alibaba]) expect(u.problems).toEqual([]);
});
