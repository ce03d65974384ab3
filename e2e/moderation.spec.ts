import { expect, test, type ChatUser } from './support/fixtures.js';

// Rooms people run (docs/protocol.md, section 9): whoever opens a new room owns it, so each
// test's owner joins its fresh room first.

const ROOM = 'den';

async function joinRoom(u: ChatUser, room = ROOM): Promise<void> {
  await u.page.getByLabel('Join or create a room').fill(room);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${room}`);
  await expect(u.page.locator('#room-count')).toContainText('online');
}

const sidebarEntry = (u: ChatUser, room: string) =>
  u.page.locator(`#joined-rooms .room-button[data-room="${room}"]`);

const memberRow = (u: ChatUser, name: string) =>
  u.page.getByTestId('member').filter({ has: u.page.locator('.member-name', { hasText: name }) });

const notice = (u: ChatUser, text: string) =>
  u.page.getByTestId('notice').filter({ hasText: text });

/** Opens the moderation tools beside `name` in `u`'s member list. */
async function moderate(u: ChatUser, name: string) {
  await u.page.getByRole('button', { name: `Moderate ${name}` }).click();
  return u.page.getByRole('group', { name: `Moderate ${name}` });
}

test('a kick reads in order: the room hears who removed whom, then that they left', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const carola = await user('carola');
  await joinRoom(carola);
  const bob = await user('bob');
  await joinRoom(bob);
  const tools = await moderate(olga, 'carola');
  await tools.getByRole('button', { name: 'Kick' }).click();
  await olga.page
    .getByRole('form', { name: 'Kick carola' })
    .getByRole('button', { name: 'Kick', exact: true })
    .click();
  const removed = 'olga removed carola from the room';
  await expect(notice(bob, removed)).toHaveCount(1);
  await expect(notice(bob, 'carola left')).toHaveCount(1);
  const texts = await bob.page.getByTestId('notice').allTextContents();
  expect(texts.filter((t) => t === removed || t === 'carola left')).toEqual([
    removed,
    'carola left',
  ]);
  expect(texts.indexOf(removed)).toBeLessThan(texts.indexOf('carola left'));
  expect(bob.problems).toEqual([]);
});

test('the owner bans a spammer with a reason: the spammer is told why and until when, and cannot rejoin', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const spam = await user('spam');
  await joinRoom(spam);

  // Roles show in both member lists; only the owner is offered the tools, on the other.
  for (const u of [olga, spam]) {
    await expect(memberRow(u, 'olga').locator('.role-badge')).toHaveText('owner');
    await expect(memberRow(u, 'spam').locator('.role-badge')).toHaveCount(0);
  }
  await expect(spam.page.getByRole('button', { name: /^Moderate / })).toHaveCount(0);
  await expect(olga.page.getByRole('button', { name: 'Moderate olga' })).toHaveCount(0);

  const tools = await moderate(olga, 'spam');
  await tools.getByRole('button', { name: 'Ban…' }).click();
  const form = olga.page.getByRole('form', { name: 'Ban spam' });
  await expect(form.getByLabel('Minutes (empty: until lifted)')).toBeFocused();
  // Escape steps back without banning anyone.
  await olga.page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
  await tools.getByRole('button', { name: 'Ban…' }).click();
  await form.getByLabel('Minutes (empty: until lifted)').fill('10');
  await form.getByLabel('Reason (shown to them)').fill('flooding the room');
  await form.getByRole('button', { name: 'Ban', exact: true }).click();

  const alert = spam.page.getByRole('alert').filter({ hasText: 'banned you' });
  await expect(alert).toBeVisible();
  await expect(alert).toHaveText(/^olga banned you from den until .+: flooding the room$/);
  await expect(sidebarEntry(spam, ROOM)).toHaveCount(0);
  await expect(notice(olga, 'You banned spam for 10 minutes: flooding the room')).toHaveCount(1);
  await expect(memberRow(olga, 'spam')).toHaveCount(0);
  await expect(olga.page.getByTestId('banned')).toHaveText(/spam/);

  // Dismissed, the alert goes; a rejoin is refused with the server's sentence.
  await spam.page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(spam.page.locator('#chat-alert')).toBeHidden();
  await spam.page.getByLabel('Join or create a room').fill(ROOM);
  await spam.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(spam.page.locator('#chat-alert-text')).toHaveText(
    /^You are banned from this room until .+\.$/,
  );
  await expect(sidebarEntry(spam, ROOM)).toHaveCount(0);

  // Lifted, the ban lets them back in.
  await olga.page.getByRole('button', { name: 'Unban spam' }).click();
  await expect(notice(olga, 'You lifted the ban on spam')).toHaveCount(1);
  await joinRoom(spam);
  await expect(spam.page.locator('#chat-alert')).toBeHidden();
  for (const u of [olga, spam]) expect(u.problems).toEqual([]);
});

test('a muted user whose page missed the mute: the send fails without Retry; unmuted, it goes', async ({
  user,
}) => {
  const olga = await user('olga');
  // The owner moderates from a phone: the member list is a panel behind a button.
  await olga.page.setViewportSize({ width: 375, height: 740 });
  await olga.page.getByRole('button', { name: 'Rooms' }).click();
  await joinRoom(olga);
  const spam = await user('spam');
  await joinRoom(spam);

  await olga.page.getByRole('button', { name: 'Members', exact: true }).click();
  const tools = await moderate(olga, 'spam');
  await tools.getByRole('button', { name: 'Mute…' }).click();
  const form = olga.page.getByRole('form', { name: 'Mute spam' });
  await form.getByLabel('Minutes (empty: until lifted)').fill('5');
  await form.getByLabel('Minutes (empty: until lifted)').press('Enter');
  await expect(notice(spam, 'olga muted you for 5 minutes')).toHaveCount(1);
  // The tools stay open on the owner's side, now offering to lift it.
  await expect(tools.getByRole('button', { name: 'Unmute' })).toBeVisible();

  // A page opened after the mute has not heard of it: the server's refusal tells it.
  await spam.page.reload();
  await expect(spam.page.locator('#room-title')).toHaveText(`#${ROOM}`);
  await expect(spam.status).toHaveAttribute('data-state', 'connected');
  await spam.send('buy cheap stuff');
  const failed = spam.messages('buy cheap stuff');
  await expect(failed).toHaveAttribute('data-status', 'failed');
  await expect(failed.locator('.failed-mark')).toHaveText(
    /^You are muted here until .*\d\d:\d\d.*, in [45] minutes\.$/,
  );
  // A retry cannot get past the mute: none is offered, and the composer is closed.
  await expect(failed.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expect(spam.composer).toBeDisabled();
  await expect(olga.messages('buy cheap stuff')).toHaveCount(0);

  await tools.getByRole('button', { name: 'Unmute' }).click();
  await expect(notice(spam, 'olga unmuted you')).toHaveCount(1);
  await expect(spam.composer).toBeEnabled();
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(spam.messages('buy cheap stuff')).toHaveAttribute('data-status', 'sent');
  await expect(olga.messages('buy cheap stuff')).toHaveCount(1);

  const overflow = await olga.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  for (const u of [olga, spam]) expect(u.problems).toEqual([]);
});

test('a moderator the owner appointed removes a message: every page says a moderator removed it', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const mona = await user('mona');
  await joinRoom(mona);
  const spam = await user('spam');
  await joinRoom(spam);

  const tools = await moderate(olga, 'mona');
  await tools.getByRole('button', { name: 'Make moderator' }).click();
  await expect(tools.getByRole('button', { name: 'Remove moderator' })).toBeFocused();
  await expect(notice(spam, 'mona is now a moderator')).toHaveCount(1);
  await expect(notice(mona, 'You are now a moderator')).toHaveCount(1);
  await expect(memberRow(spam, 'mona').locator('.role-badge')).toHaveText('moderator');
  // A moderator acts on members, not on the owner; nobody but its author edits a message.
  await expect(mona.page.getByRole('button', { name: 'Moderate spam' })).toHaveCount(1);
  await expect(mona.page.getByRole('button', { name: 'Moderate olga' })).toHaveCount(0);

  await spam.send('click my link');
  await olga.send('welcome all');
  const doomed = mona.messages('click my link');
  await expect(doomed).toHaveAttribute('data-status', 'sent');
  await expect(doomed.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(mona.messages('welcome all').getByRole('button', { name: 'Delete' })).toHaveCount(0);
  const id = await doomed.getAttribute('data-key');
  await doomed.getByRole('button', { name: 'Delete' }).click();
  await mona.page
    .getByRole('group', { name: 'Delete this message?' })
    .getByRole('button', { name: 'Delete' })
    .click();

  for (const u of [mona, spam, olga]) {
    const row = u.page.locator(`#message-list > [data-key="${id ?? ''}"]`);
    await expect(row.locator('.msg-tombstone')).toHaveText('Removed by a moderator');
    await expect(u.page.locator('#message-list').getByText('click my link')).toHaveCount(0);
  }
  // The tombstone keeps saying so after a reload: the store kept who removed it.
  await olga.page.reload();
  await expect(
    olga.page.locator(`#message-list > [data-key="${id ?? ''}"]`).locator('.msg-tombstone'),
  ).toHaveText('Removed by a moderator');
  for (const u of [olga, mona, spam]) expect(u.problems).toEqual([]);
});

test('the owner sets the topic by keyboard; the other member’s header shows it', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const bob = await user('bob');
  await joinRoom(bob);
  await expect(bob.page.getByRole('button', { name: /topic/ })).toHaveCount(0);

  const add = olga.page.getByRole('button', { name: 'Add a topic' });
  await add.focus();
  await olga.page.keyboard.press('Enter');
  const input = olga.page.getByRole('textbox', { name: 'Topic' });
  await expect(input).toBeFocused();
  await input.fill('never saved');
  await input.press('Escape');
  await expect(input).toBeHidden();
  await expect(add).toBeFocused();

  await olga.page.keyboard.press('Enter');
  await input.fill('Release planning, Thursdays');
  await input.press('Enter');
  await expect(olga.page.getByRole('button', { name: 'Edit topic' })).toBeFocused();
  for (const u of [olga, bob]) {
    await expect(u.page.locator('#room-topic')).toHaveText('Release planning, Thursdays');
  }
  await expect(notice(olga, 'You changed the topic to “Release planning, Thursdays”')).toHaveCount(
    1,
  );
  await expect(notice(bob, 'olga changed the topic to “Release planning, Thursdays”')).toHaveCount(
    1,
  );
  for (const u of [olga, bob]) expect(u.problems).toEqual([]);
});

test('an owner creates a private room, invites by username and from another room, opens it up, and reads the audit', async ({
  user,
}) => {
  const password = 'correct horse battery';
  const olga = await user('olga', { account: { username: 'olga', password } });
  const gina = await user('Gina', { account: { username: 'gina', password } });
  // bob is a guest olga knows from another room: no username to type, a button instead.
  const bob = await user('bob');
  await joinRoom(olga, 'lounge');
  await joinRoom(bob, 'lounge');

  await olga.page.getByText('Create a room with settings').click();
  const create = olga.page.locator('#create-form');
  await create.getByLabel('Room name').fill('Plans');
  await create.getByLabel('Topic (optional)').fill('Q3 roadmap');
  await create.getByLabel('Private: by invitation only').check();
  await create.getByRole('button', { name: 'Create room' }).click();
  await expect(olga.page.locator('#room-title')).toHaveText('#plans');
  await expect(olga.page.locator('#room-lock')).toBeVisible();
  await expect(olga.page.locator('#room-topic')).toHaveText('Q3 roadmap');
  await expect(olga.page.locator('#create-room')).not.toHaveAttribute('open');

  // Not invited yet: the server's sentence.
  await gina.page.getByLabel('Join or create a room').fill('plans');
  await gina.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(gina.page.locator('#chat-alert-text')).toHaveText(/this room is private/);
  await gina.page.getByRole('button', { name: 'Dismiss' }).click();

  await olga.page.getByRole('button', { name: 'Invite…' }).click();
  const invite = olga.page.getByRole('form', { name: 'Invite to this private room' });
  const username = invite.getByLabel('Username');
  await expect(username).toBeFocused();
  await username.fill('nobody-here');
  await username.press('Enter');
  await expect(invite.getByRole('alert')).toHaveText('no such user');
  await username.fill('gina');
  await username.press('Enter');
  await expect(invite.getByRole('status')).toHaveText('Invited gina: they may join #plans now.');
  await invite.getByRole('button', { name: 'Invite bob' }).click();
  await expect(invite.getByRole('status')).toHaveText('Invited bob: they may join #plans now.');
  await olga.page.keyboard.press('Escape');
  await expect(invite).toBeHidden();
  await expect(olga.page.getByRole('button', { name: 'Invite…' })).toBeFocused();

  await joinRoom(gina, 'plans');
  await joinRoom(bob, 'plans');
  // A member is offered none of the owner's tools.
  for (const name of ['Invite…', 'Audit log', 'Make public']) {
    await expect(gina.page.getByRole('button', { name })).toHaveCount(0);
  }

  await olga.page.getByRole('button', { name: 'Make public' }).click();
  await expect(notice(gina, 'olga made the room public')).toHaveCount(1);
  await expect(olga.page.getByRole('button', { name: 'Make private' })).toBeFocused();
  await expect(olga.page.locator('#room-lock')).toBeHidden();
  await expect(olga.page.getByRole('button', { name: 'Invite…' })).toBeHidden();

  await olga.page.getByRole('button', { name: 'Audit log' }).click();
  await expect(olga.page.getByRole('region', { name: 'Audit log' })).toBeFocused();
  await expect(olga.page.getByTestId('audit-entry')).toHaveText([
    /olga made the room public$/,
    /olga invited bob$/,
    /olga invited Gina$/,
    /olga created the room$/,
  ]);
  await olga.page.keyboard.press('Escape');
  await expect(olga.page.getByRole('region', { name: 'Audit log' })).toBeHidden();
  for (const u of [olga, gina, bob]) expect(u.problems).toEqual([]);
});
