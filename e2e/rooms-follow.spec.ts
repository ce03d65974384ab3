import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

const password = 'correct horse battery';

async function joinRoom(u: ChatUser, room: string): Promise<void> {
  await u.page.getByLabel('Join or create a room').fill(room);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${room}`);
  await expect(u.page.locator('#room-count')).toContainText('online');
}

async function createPrivateRoom(u: ChatUser, room: string): Promise<void> {
  await u.page.getByText('Create a room with settings').click();
  const create = u.page.locator('#create-form');
  await create.getByLabel('Room name').fill(room);
  await create.getByLabel('Private: by invitation only').check();
  await create.getByRole('button', { name: 'Create room' }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${room}`);
  await expect(u.page.locator('#room-lock')).toBeVisible();
}

const sidebarEntry = (u: ChatUser, room: string) =>
  u.page.locator(`#joined-rooms .room-button[data-room="${room}"]`);

const invitation = (u: ChatUser, room: string) =>
  u.page.getByRole('region', { name: 'Invitations' }).getByRole('listitem', {
    name: `Invitation to #${room}`,
  });

test('rooms follow an account to a new browser, a private one included, and leaves follow live', async ({
  user,
}) => {
  // Three sign-ins with a password (scrypt) on a shared machine take their time.
  test.slow();
  const ada = await user('Ada', { account: { username: 'ada', password } });
  await joinRoom(ada, 'dev');
  await createPrivateRoom(ada, 'den');

  const elsewhere = await user('Ada', { account: { username: 'ada', password, existing: true } });
  for (const room of ['general', 'dev', 'den']) {
    await expect(sidebarEntry(elsewhere, room)).toBeVisible();
  }
  // The private room opens here too, as one of hers.
  await elsewhere.page.locator('#joined-rooms .room-button[data-room="den"]').click();
  await expect(elsewhere.page.locator('#room-title')).toHaveText('#den');
  await expect(elsewhere.page.locator('#room-lock')).toBeVisible();

  // Joined in one, the room shows in the other at once.
  await joinRoom(ada, 'books');
  await expect(sidebarEntry(elsewhere, 'books')).toBeVisible();

  // Left in the second, it goes from the first.
  await sidebarEntry(elsewhere, 'dev').click();
  await expect(elsewhere.page.locator('#room-title')).toHaveText('#dev');
  await elsewhere.page.getByRole('button', { name: 'Leave room' }).click();
  await expect(sidebarEntry(elsewhere, 'dev')).toHaveCount(0);
  await expect(sidebarEntry(ada, 'dev')).toHaveCount(0);
  await expect(sidebarEntry(ada, 'books')).toBeVisible();

  // A third browser later finds the rooms as they are now.
  const later = await user('Ada', { account: { username: 'ada', password, existing: true } });
  await expect(sidebarEntry(later, 'books')).toBeVisible();
  await expect(sidebarEntry(later, 'den')).toBeVisible();
  await expect(sidebarEntry(later, 'dev')).toHaveCount(0);
  for (const u of [ada, elsewhere, later]) expect(u.problems).toEqual([]);
});

test('an invitation arrives live on every tab, is joined or declined there, and waits for the next sign-in', async ({
  user,
  tab,
}) => {
  test.slow();
  const olga = await user('olga', { account: { username: 'olga', password } });
  const bea = await user('Bea', { account: { username: 'bea', password } });
  const beaTab = await tab(bea);
  await createPrivateRoom(olga, 'den');
  await olga.send('the plan is on the wiki');
  await expect(olga.messages('the plan is on the wiki')).toHaveCount(1);
  await createPrivateRoom(olga, 'attic');
  await createPrivateRoom(olga, 'vault');

  // Not invited yet: the server's sentence stays on screen.
  await bea.page.getByLabel('Join or create a room').fill('den');
  await bea.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(bea.page.locator('#chat-alert-text')).toHaveText(/this room is private/);

  const invite = async (room: string) => {
    await olga.page.locator(`#joined-rooms .room-button[data-room="${room}"]`).click();
    await expect(olga.page.locator('#room-title')).toHaveText(`#${room}`);
    await olga.page.getByRole('button', { name: 'Invite…' }).click();
    const form = olga.page.getByRole('form', { name: 'Invite to this private room' });
    await form.getByLabel('Username').fill('bea');
    await form.getByLabel('Username').press('Enter');
    await expect(form.getByRole('status')).toHaveText(`Invited bea: they may join #${room} now.`);
    await olga.page.keyboard.press('Escape');
  };
  await invite('den');
  for (const u of [bea, beaTab]) {
    await expect(invitation(u, 'den')).toContainText('olga invites you to #den');
  }
  await shoot(bea.page, 'invitation');

  await invitation(bea, 'den').getByRole('button', { name: 'Join #den' }).click();
  await expect(bea.page.locator('#room-title')).toHaveText('#den');
  await expect(bea.messages('the plan is on the wiki')).toHaveCount(1);
  await expect(bea.page.locator('#chat-alert-text')).toBeHidden();
  for (const u of [bea, beaTab]) await expect(invitation(u, 'den')).toHaveCount(0);
  await expect(sidebarEntry(beaTab, 'den')).toBeVisible();

  await invite('attic');
  await invite('vault');
  for (const room of ['attic', 'vault']) await expect(invitation(beaTab, room)).toBeVisible();
  await invitation(beaTab, 'attic')
    .getByRole('button', { name: /^Decline/ })
    .click();
  for (const u of [bea, beaTab]) {
    await expect(invitation(u, 'attic')).toHaveCount(0);
    await expect(invitation(u, 'vault')).toBeVisible();
  }

  // Signed in again later, elsewhere: the invitation not answered is still there.
  const later = await user('Bea', { account: { username: 'bea', password, existing: true } });
  await expect(invitation(later, 'vault')).toContainText('olga invites you to #vault');
  await expect(invitation(later, 'attic')).toHaveCount(0);
  for (const u of [olga, bea, beaTab, later]) expect(u.problems).toEqual([]);
});
