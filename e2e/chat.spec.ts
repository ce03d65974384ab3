import { expect, test } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

test('two users chat in general: each message once on each side, pending mark cleared', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await expect(alice.page.locator('#room-title')).toHaveText('#general');

  await alice.send('Hello Bob!');
  await expect(alice.messages('Hello Bob!')).toHaveAttribute('data-status', 'sent');
  await expect(alice.messages('Hello Bob!').locator('.pending-mark')).toHaveCount(0);
  await expect(bob.messages('Hello Bob!')).toHaveCount(1);
  await expect(bob.messages('Hello Bob!').locator('.msg-author')).toHaveText('alice');

  // Shift+Enter is a new line, Enter sends.
  await bob.composer.fill('Hi Alice,');
  await bob.composer.press('Shift+Enter');
  await bob.composer.pressSequentially('two lines here');
  await bob.composer.press('Enter');
  await expect(alice.messages('Hi Alice,\ntwo lines here')).toHaveCount(1);
  await expect(bob.messages('Hi Alice,\ntwo lines here')).toHaveAttribute('data-status', 'sent');
  await expect(bob.composer).toHaveValue('');

  // Later traffic has arrived, and still each message is there once.
  await alice.send('Last one');
  await expect(bob.messages('Last one')).toHaveCount(1);
  for (const u of [alice, bob]) {
    await expect(u.messages('Hello Bob!')).toHaveCount(1);
    await expect(u.messages('Hi Alice,\ntwo lines here')).toHaveCount(1);
    await expect(u.page.getByTestId('message')).toHaveCount(3);
    expect(u.problems).toEqual([]);
  }
});

test.describe('history', () => {
  test.use({ serverEnv: { HISTORY_PAGE: '5', RATE_LIMIT_BURST: '50' } });

  test('a late joiner sees the history; load earlier fetches older messages in order', async ({
    user,
  }) => {
    const alice = await user('alice');
    for (let i = 0; i < 12; i++) await alice.send(`m${i}`);
    await expect(alice.messages('m11')).toHaveAttribute('data-status', 'sent');

    const bob = await user('bob');
    const texts = bob.page.locator('.msg-text');
    await expect(texts).toHaveText(['m7', 'm8', 'm9', 'm10', 'm11']);
    const loadEarlier = bob.page.getByRole('button', { name: 'Load earlier messages' });
    await loadEarlier.click();
    await expect(texts).toHaveText(['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
    await loadEarlier.click();
    await expect(texts).toHaveText(Array.from({ length: 12 }, (_, i) => `m${i}`));
    await expect(loadEarlier).toBeHidden();
    expect(bob.problems).toEqual([]);
  });
});

test('join and leave notices, member list and a typing indicator that expires', async ({
  user,
}) => {
  const alice = await user('alice');
  const members = alice.page.getByTestId('member');
  await expect(members).toHaveText(['Aalice(you)']);

  const bob = await user('bob');
  await expect(alice.page.getByTestId('notice').filter({ hasText: 'bob joined' })).toBeVisible();
  await expect(members).toHaveText(['Aalice(you)', 'Bbob']);
  await expect(alice.page.locator('#room-count')).toHaveText('2 members online');

  await bob.composer.pressSequentially('I am typ');
  const typing = alice.page.locator('#typing');
  await expect(typing).toHaveText('bob is typing…');
  // Nobody sends typing: false here; the indicator goes away by itself.
  await expect(typing).toHaveText('', { timeout: 12_000 });

  await bob.page.getByRole('button', { name: 'Leave room' }).click();
  await expect(alice.page.getByTestId('notice').filter({ hasText: 'bob left' })).toBeVisible();
  await expect(members).toHaveText(['Aalice(you)']);
  await expect(alice.page.locator('#room-count')).toHaveText('1 member online');
  expect(alice.problems).toEqual([]);
});

test('names and messages that look like HTML are shown literally and run nothing', async ({
  user,
}) => {
  const payloads = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '"><svg onload=alert(1)>',
  ];
  const mallory = await user('<img src=x onerror=alert(1)>');
  const victim = await user('victim');
  for (const text of payloads) await mallory.send(text);

  for (const u of [mallory, victim]) {
    for (const text of payloads) await expect(u.messages(text)).toHaveCount(1);
    await expect(
      u.page.locator('#message-list img, #message-list script, #message-list svg'),
    ).toHaveCount(0);
    await expect(u.page.locator('#member-list img')).toHaveCount(0);
  }
  await expect(victim.messages('<img src=x onerror=alert(1)>').locator('.msg-author')).toHaveText(
    '<img src=x onerror=alert(1)>',
  );
  await expect(victim.page.getByTestId('member').filter({ hasText: '<img src=x' })).toHaveCount(1);
  expect(mallory.problems).toEqual([]);
  expect(victim.problems).toEqual([]);
});

test('rooms: join by name, unread counts on rooms not in view, switch, list with counts', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await alice.page.getByLabel('Join or create a room').fill('Random Stuff');
  await alice.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('#random-stuff');

  // Bob sees the new room in the directory with one member, and joins it from there.
  const listed = bob.page.locator('#all-rooms [data-room="random-stuff"]');
  await expect(listed).toContainText('1');
  await listed.click();
  await expect(bob.page.locator('#room-title')).toHaveText('#random-stuff');

  // Alice looks at general while Bob writes in random-stuff.
  await alice.page.locator('#joined-rooms [data-room="general"]').click();
  await bob.send('over here');
  await bob.send('still here');
  const badge = alice.page.locator(
    '#joined-rooms [data-room="random-stuff"] [data-testid="unread"]',
  );
  await expect(badge).toHaveText('2');
  await alice.page.locator('#joined-rooms [data-room="random-stuff"]').click();
  await expect(badge).toHaveCount(0);
  await expect(alice.messages('still here')).toHaveCount(1);
  await expect(alice.page).toHaveTitle('Chat');
  expect(alice.problems).toEqual([]);
});

test('the join box takes a room as the page shows it, with its leading #', async ({ user }) => {
  const alice = await user('alice');
  await alice.page.getByLabel('Join or create a room').fill('#random');
  await alice.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(alice.page.locator('#room-title')).toHaveText('#random');
  await expect(alice.page.locator('#join-error')).toHaveText('');
  expect(alice.problems).toEqual([]);
});

test('Up-arrow in an empty composer edits one’s last message; with text in it, it does not', async ({
  user,
}) => {
  const alice = await user('alice');
  await alice.send('first');
  await alice.send('secnd');
  await expect(alice.messages('secnd')).toHaveAttribute('data-status', 'sent');
  await alice.composer.fill('a draft');
  await alice.composer.press('ArrowUp');
  await expect(alice.composer).toBeFocused();
  await alice.composer.fill('');
  await alice.composer.press('ArrowUp');
  const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('secnd');
  await editor.fill('second');
  await editor.press('Enter');
  await expect(alice.messages('second')).toHaveCount(1);
  await expect(alice.messages('secnd')).toHaveCount(0);
  await expect(alice.messages('first')).toHaveCount(1);
  expect(alice.problems).toEqual([]);
});

test('works at phone width with the keyboard alone', async ({ user }) => {
  const alice = await user('alice');
  await alice.page.setViewportSize({ width: 375, height: 740 });
  const bob = await user('bob');
  await bob.page.setViewportSize({ width: 375, height: 740 });

  // Signing in leaves the keys in the message box; after a reload, the page starts at the
  // top, and keyboard only, the skip link leads to the message box.
  await expect(bob.composer).toBeFocused();
  await bob.page.reload();
  await expect(bob.status).toHaveAttribute('data-state', 'connected');
  await bob.page.keyboard.press('Tab');
  await expect(bob.page.getByRole('link', { name: 'Skip to message box' })).toBeFocused();
  await bob.page.keyboard.press('Enter');
  await expect(bob.composer).toBeFocused();
  await bob.page.keyboard.type('from my phone');
  await bob.page.keyboard.press('Enter');
  await expect(alice.messages('from my phone')).toHaveCount(1);

  // The member list sits behind a button at this width.
  const toggle = alice.page.getByRole('button', { name: 'Members' });
  await expect(alice.page.locator('#members-panel')).toBeHidden();
  await toggle.click();
  await expect(alice.page.locator('#members-panel')).toBeVisible();
  await expect(alice.page.getByTestId('member')).toHaveCount(2);
  const overflow = await alice.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
});

test('a quick burst of messages is stored and shown in the order typed, for everyone and for good', async ({
  user,
}) => {
  // Production rate limits (5 a second, 10 at once): 25 typed at once must queue.
  const alice = await user('alice');
  const bob = await user('bob');
  const typed = Array.from({ length: 25 }, (_, i) => `burst ${i + 1}`);
  for (const text of typed) await alice.send(text);
  const texts = (u: typeof alice) => u.page.locator('[data-testid="message"] .msg-text');
  await expect(texts(bob)).toHaveText(typed);
  await expect(alice.page.locator('[data-status="sent"] .msg-text')).toHaveText(typed);
  // What the server stored comes back in the same order after a reload.
  await bob.page.reload();
  await expect(texts(bob)).toHaveText(typed);
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});

test.describe('the text bound', () => {
  test.use({ serverEnv: { MAX_TEXT_LENGTH: '50' } });

  test('the composer and the editor take the server’s MAX_TEXT_LENGTH', async ({ user }) => {
    const alice = await user('alice');
    // A paste past the bound is kept whole, counted, and refused with the reason.
    const count = alice.page.locator('#composer-count');
    await expect(count).toBeHidden();
    await alice.composer.fill('y'.repeat(60));
    await expect(count).toHaveText(
      '60 characters: at most 50 can be sent. Shorten it, or split it in two.',
    );
    await expect(alice.composer).toHaveAttribute('aria-invalid', 'true');
    await shoot(alice.page, 'text-bound');
    await alice.composer.press('Enter');
    await expect(alice.composer).toHaveValue('y'.repeat(60));
    await alice.composer.fill('y'.repeat(46));
    await expect(count).toHaveText('46 / 50');
    await alice.composer.press('Enter');
    await expect(alice.messages('y'.repeat(46))).toHaveAttribute('data-status', 'sent');
    await expect(count).toBeHidden();
    await alice.send('short');
    const row = alice.messages('short');
    await expect(row).toHaveAttribute('data-status', 'sent');
    await row.getByRole('button', { name: 'Edit' }).click();
    await expect(alice.page.getByRole('textbox', { name: 'Edit message' })).toHaveAttribute(
      'maxlength',
      '50',
    );
    expect(alice.problems).toEqual([]);
  });
});
