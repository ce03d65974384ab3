import { expect, test, type ChatUser } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

// A mute's end in the reader's local time, and a composer closed while it lasts.

const ROOM = 'quiet';
const ISO_TIME = /\d{4}-\d\d-\d\dT/;

async function joinRoom(u: ChatUser): Promise<void> {
  await u.page.getByLabel('Join or create a room').fill(ROOM);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(u.page.locator('#room-title')).toHaveText(`#${ROOM}`);
  await expect(u.page.locator('#room-count')).toContainText('online');
}

/** The owner `by` mutes `name` for `minutes` from the member list's tools. */
async function mute(by: ChatUser, name: string, minutes: number) {
  await by.page.getByRole('button', { name: `Moderate ${name}` }).click();
  const tools = by.page.getByRole('group', { name: `Moderate ${name}` });
  await tools.getByRole('button', { name: 'Mute…' }).click();
  const form = by.page.getByRole('form', { name: `Mute ${name}` });
  await form.getByLabel('Minutes (empty: until lifted)').fill(String(minutes));
  await form.getByLabel('Minutes (empty: until lifted)').press('Enter');
  return tools;
}

const muteNote = (u: ChatUser) => u.page.locator('#composer-muted');

test('muted: the composer is closed with the end in local time; unmuted, it opens again', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const spam = await user('spam');
  await joinRoom(spam);
  await expect(spam.composer).toBeEnabled();
  await spam.composer.fill('half a thought');

  const tools = await mute(olga, 'spam', 9);
  await expect(spam.page.getByTestId('notice').filter({ hasText: 'olga muted you' })).toHaveCount(
    1,
  );
  await expect(spam.composer).toBeDisabled();
  await expect(spam.page.getByRole('button', { name: 'Send' })).toBeDisabled();
  await expect(muteNote(spam)).toBeVisible();
  await expect(muteNote(spam)).toHaveText(
    /^You are muted here until .*\d\d:\d\d.*, in [89] minutes\.$/,
  );
  // The time is the page's own clock's, not the server's UTC.
  const expected = await spam.page.evaluate(() => {
    const at = Date.now() + 9 * 60_000;
    const f = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    return [f.format(at - 60_000), f.format(at), f.format(at + 60_000)];
  });
  const said = (await muteNote(spam).textContent()) ?? '';
  expect(expected.some((time) => said.includes(time))).toBe(true);
  // The composer names why it is closed.
  await expect(spam.composer).toHaveAccessibleDescription(/You are muted here until/);
  await shoot(spam.page, 'muted-composer');
  await expect(spam.page.locator('body')).not.toContainText(ISO_TIME);
  await expect(spam.composer).toHaveValue('half a thought');

  await tools.getByRole('button', { name: 'Unmute' }).click();
  await expect(spam.page.getByTestId('notice').filter({ hasText: 'olga unmuted you' })).toHaveCount(
    1,
  );
  await expect(spam.composer).toBeEnabled();
  await expect(muteNote(spam)).toBeHidden();
  await spam.composer.press('Enter');
  await expect(olga.messages('half a thought')).toHaveCount(1);
  for (const u of [olga, spam]) expect(u.problems).toEqual([]);
});

test('a short mute ends on the page’s clock: the count goes down and the composer opens again', async ({
  user,
}) => {
  const olga = await user('olga');
  await joinRoom(olga);
  const spam = await user('spam');
  // The muted page's timers run on a clock the test moves; the server keeps real time.
  await spam.page.clock.install();
  await spam.page.reload();
  await joinRoom(spam);

  await mute(olga, 'spam', 2);
  await expect(spam.composer).toBeDisabled();
  await expect(muteNote(spam)).toHaveText(/, in 2 minutes\.$/);
  await spam.page.clock.fastForward(61_000);
  await expect(muteNote(spam)).toHaveText(/, in 1 minute\.$/);
  await expect(spam.composer).toBeDisabled();
  await spam.page.clock.fastForward(60_000);
  await expect(spam.composer).toBeEnabled();
  await expect(muteNote(spam)).toBeHidden();
  await expect(spam.page.locator('body')).not.toContainText(ISO_TIME);
  expect(spam.problems).toEqual([]);
});
