import { expect, signIn as signInOn, test, type ChatUser } from './support/fixtures.js';

// Reports and the operators' site-wide tools (docs/protocol.md, section 9). Whoever opens a
// new room owns it, so each test's owner joins its fresh room first. `root` is an operator.

test.use({ serverEnv: { ADMIN_USERS: 'root' } });

const PASSWORD = 'correct horse battery';

async function joinRoom(u: ChatUser, room: string): Promise<void> {
  await u.page.getByLabel('Join or create a room').fill(room);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${room}`);
  await expect(u.page.locator('#room-count')).toContainText('online');
}

const reportsControl = (u: ChatUser) => u.page.getByRole('button', { name: /^Reports \d+ open$/ });

const memberRow = (u: ChatUser, name: string) =>
  u.page.getByTestId('member').filter({ has: u.page.locator('.member-name', { hasText: name }) });

test('a member reports a message with a reason; the owner sees it live, looks at it and resolves it', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga, 'den');
  const bob = await user('bob');
  await joinRoom(bob, 'den');
  const spam = await user('spam');
  await joinRoom(spam, 'den');

  await spam.send('buy cheap stuff');
  await bob.send('hello all');
  const reported = bob.messages('buy cheap stuff');
  await expect(reported).toHaveAttribute('data-status', 'sent');
  // One's own messages have nothing to report; a member runs nothing and sees no reports.
  await expect(bob.messages('hello all').getByRole('button', { name: 'Report' })).toHaveCount(0);
  await expect(reportsControl(bob)).toHaveCount(0);
  await expect(reportsControl(olga)).toBeVisible();
  await expect(olga.page.locator('#reports-count')).toHaveText('0');

  // By keyboard: the form opens with the reason field focused; Escape steps back.
  await reported.getByRole('button', { name: 'Report' }).focus();
  await bob.page.keyboard.press('Enter');
  const form = bob.page.getByRole('form', { name: 'Report spam’s message' });
  const reason = form.getByLabel('Why are you reporting this message?');
  await expect(reason).toBeFocused();
  await reason.press('Escape');
  await expect(form).toHaveCount(0);
  await expect(reported.getByRole('button', { name: 'Report' })).toBeFocused();
  await bob.page.keyboard.press('Enter');
  await reason.fill('selling things in every room');
  await reason.press('Enter');
  await expect(reported.getByRole('status')).toHaveText(
    'Reported. The people who run this room will look at it.',
  );
  await expect(form).toHaveCount(0);

  // The owner's count rises while the list is closed.
  await expect(olga.page.locator('#reports-count')).toHaveText('1');
  await expect(reportsControl(olga)).toHaveAttribute('aria-expanded', 'false');
  await reportsControl(olga).click();
  const entry = olga.page.getByTestId('report');
  await expect(entry).toHaveCount(1);
  await expect(entry.locator('.report-by')).toHaveText('bob');
  await expect(entry.locator('.report-reason')).toHaveText('Reason: selling things in every room');
  await expect(entry.locator('.report-message')).toHaveText('spambuy cheap stuff');
  await entry.getByRole('button', { name: 'Show message' }).click();
  await expect(olga.messages('buy cheap stuff')).toBeFocused();

  await entry.getByRole('button', { name: 'Resolve' }).click();
  await expect(entry).toHaveCount(0);
  await expect(olga.page.locator('#reports-count')).toHaveText('0');
  await expect(olga.page.locator('#reports-empty')).toBeVisible();
  await expect(olga.page.locator('#reports-panel')).toBeFocused();
  await olga.page.keyboard.press('Escape');
  await expect(olga.page.locator('#reports-panel')).toBeHidden();
  await expect(reportsControl(olga)).toBeFocused();
  for (const u of [olga, bob, spam]) expect(u.problems).toEqual([]);
});

test('an operator suspends a spammer’s account from the member list; the spammer is signed out and told why', async ({
  user,
}) => {
  const root = await user('Root', { account: { username: 'root', password: PASSWORD } });
  await joinRoom(root, 'lobby');
  const spam = await user('Spammer', { account: { username: 'spammer', password: PASSWORD } });
  await joinRoom(spam, 'lobby');

  // The operator runs the room with no role in its info: the reports are theirs too.
  await expect(reportsControl(root)).toBeVisible();
  await root.page.getByRole('button', { name: 'Moderate Spammer' }).click();
  const tools = root.page.getByRole('group', { name: 'Moderate Spammer' });
  await tools.getByRole('button', { name: 'Suspend account…' }).click();
  const confirm = root.page.getByRole('form', { name: 'Suspend Spammer' });
  await expect(confirm).toContainText('cannot sign in until an operator lifts it');
  await expect(confirm.getByRole('button', { name: 'Suspend', exact: true })).toBeFocused();
  // Escape steps back without suspending anyone.
  await root.page.keyboard.press('Escape');
  await expect(confirm).toHaveCount(0);
  await tools.getByRole('button', { name: 'Suspend account…' }).click();
  await confirm.getByRole('button', { name: 'Suspend', exact: true }).click();

  const signIn = spam.page.getByRole('dialog', { name: 'Sign in to chat' });
  await expect(signIn).toBeVisible();
  await expect(spam.page.locator('#auth-reason')).toHaveText(
    'Your account was suspended by the operators.',
  );
  await expect(memberRow(root, 'Spammer')).toHaveCount(0);

  // In no member list now, the account is named by username to lift the suspension.
  const lift = root.page.getByRole('region', { name: 'Operator tools' });
  const username = lift.getByLabel('Lift the suspension of (username)');
  await username.fill('nobody-here');
  await username.press('Enter');
  await expect(lift.getByRole('alert')).toHaveText('no such user');
  await username.fill('spammer');
  await lift.getByRole('button', { name: 'Lift suspension' }).click();
  await expect(lift.getByRole('status')).toHaveText('spammer may sign in again.');
  await signInOn(spam.page, 'Spammer', { username: 'spammer', password: PASSWORD, existing: true });
  await expect(spam.status).toHaveAttribute('data-state', 'connected');
  // Only operators have the tools.
  await expect(spam.page.getByRole('region', { name: 'Operator tools' })).toHaveCount(0);
  expect(root.problems).toEqual([]);
});

test.describe('with a short history page', () => {
  test.use({ serverEnv: { ADMIN_USERS: 'root', HISTORY_PAGE: '3' } });

  test('a report of a message older than the page holds shows what was reported; resolved, it is listed apart', async ({
    user,
  }) => {
    const olga = await user('olga');
    await joinRoom(olga, 'den');
    const bob = await user('bob');
    await joinRoom(bob, 'den');
    const spam = await user('spam');
    await joinRoom(spam, 'den');
    await spam.send('buy cheap stuff');
    const reported = bob.messages('buy cheap stuff');
    await reported.getByRole('button', { name: 'Report' }).click();
    const reason = bob.page.getByLabel('Why are you reporting this message?');
    await reason.fill('selling things');
    await reason.press('Enter');
    await expect(reported.getByRole('status')).toContainText('Reported.');
    await expect(olga.page.locator('#reports-count')).toHaveText('1');
    for (const n of [1, 2, 3, 4]) await spam.send(`later ${n}`);
    await expect(olga.messages('later 4')).toHaveCount(1);

    // A fresh page holds the newest three messages only, not the one reported.
    await olga.page.reload();
    await expect(olga.status).toHaveAttribute('data-state', 'connected');
    await expect(olga.messages('later 4')).toHaveCount(1);
    await expect(olga.messages('buy cheap stuff')).toHaveCount(0);
    await reportsControl(olga).click();
    const entry = olga.page.getByTestId('report');
    await expect(entry.locator('.report-message')).toHaveText('spambuy cheap stuff');
    await expect(entry.getByRole('button', { name: 'Show message' })).toHaveCount(0);
    await entry.getByRole('button', { name: 'Resolve' }).click();
    await expect(olga.page.locator('#reports-empty')).toHaveText('No open reports.');

    await olga.page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await expect(olga.page.getByRole('button', { name: 'Resolved', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await expect(entry).toHaveCount(1);
    await expect(entry.locator('.report-message')).toHaveText('spambuy cheap stuff');
    await expect(entry.locator('.report-resolution')).toHaveText(/^Resolved by olga, .+/);
    await expect(entry.getByRole('button', { name: 'Resolve' })).toHaveCount(0);
    await olga.page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(entry).toHaveCount(0);
    for (const u of [olga, bob, spam]) expect(u.problems).toEqual([]);
  });
});

test('an operator outranks the owner and deletes the room; the other member’s page says it was deleted', async ({
  user,
}) => {
  // The operator's account exists before bob's page loads the room (the room's info names
  // the operators who have signed up).
  const root = await user('Root', { account: { username: 'root', password: PASSWORD } });
  const bob = await user('bob');
  await joinRoom(bob, 'attic');
  await joinRoom(root, 'attic');

  // Every page knows the operator for one: the owner is offered nothing on them (the server
  // would refuse it) and no site-wide tools; the operator may act on the owner.
  for (const u of [bob, root]) {
    await expect(memberRow(u, 'Root').locator('.role-badge')).toHaveText('operator');
  }
  await expect(bob.page.getByRole('button', { name: 'Moderate Root' })).toHaveCount(0);
  await expect(bob.page.getByRole('button', { name: 'Suspend account…' })).toHaveCount(0);
  await expect(bob.page.getByRole('button', { name: 'Delete room' })).toHaveCount(0);
  await expect(root.page.getByRole('button', { name: 'Moderate bob' })).toBeVisible();
  await expect(reportsControl(root)).toBeVisible();

  // general cannot be deleted: the operator is not offered to.
  await root.page.locator('#joined-rooms .room-button[data-room="general"]').click();
  await expect(root.page.locator('#room-title')).toHaveText('#general');
  await expect(root.page.getByRole('button', { name: 'Delete room' })).toHaveCount(0);
  await root.page.locator('#joined-rooms .room-button[data-room="attic"]').click();

  const del = root.page.getByRole('button', { name: 'Delete room' });
  await del.click();
  const confirm = root.page.getByRole('group', { name: /^Delete #attic for everyone\?/ });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await root.page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(del).toBeFocused();
  await del.click();
  await confirm.getByRole('button', { name: 'Delete room' }).click();

  await expect(bob.page.locator('#chat-alert-text')).toHaveText('Root deleted attic.');
  await expect(root.page.locator('#chat-alert-text')).toHaveText('You deleted attic.');
  for (const u of [bob, root]) {
    await expect(u.page.locator('#joined-rooms .room-button[data-room="attic"]')).toHaveCount(0);
    expect(u.problems).toEqual([]);
  }
});

test('reporting works at phone width without overflowing the page', async ({ user }) => {
  const olga = await user('olga');
  await joinRoom(olga, 'nook');
  const bob = await user('bob');
  await bob.page.setViewportSize({ width: 375, height: 740 });
  await bob.page.getByRole('button', { name: 'Rooms' }).click();
  await joinRoom(bob, 'nook');
  // Joining closes the rooms panel on a phone: the chat is in view again.
  await expect(bob.page.locator('#rooms-panel')).toBeHidden();
  await olga.page.setViewportSize({ width: 375, height: 740 });

  await olga.send('a rude remark');
  const reported = bob.messages('a rude remark');
  await reported.getByRole('button', { name: 'Report' }).click();
  await bob.page.getByLabel('Why are you reporting this message?').fill('rude');
  await bob.page
    .getByRole('form', { name: 'Report olga’s message' })
    .getByRole('button', { name: 'Report' })
    .click();
  await expect(reported.getByRole('status')).toContainText('Reported.');
  for (const u of [olga, bob]) {
    const overflow = await u.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
  }
  await reportsControl(olga).click();
  await expect(olga.page.getByTestId('report')).toHaveCount(1);
  const overflow = await olga.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  for (const u of [olga, bob]) expect(u.problems).toEqual([]);
});
