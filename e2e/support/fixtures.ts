import {
  expect,
  test as base,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';
import { ServerProcess } from './server.js';

export interface ChatUser {
  name: string;
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and dialogs seen on the page. */
  problems: string[];
  composer: Locator;
  /** Every message bubble whose text is exactly `text`. */
  messages: (text: string) => Locator;
  send: (text: string) => Promise<void>;
  status: Locator;
  transport: Locator;
}

export interface UserOptions {
  /** Appended to the page URL, e.g. `?transport=polling`. */
  query?: string;
  /** Sign up (or, with `existing`, sign in) with this account instead of as a guest. */
  account?: { username: string; password: string; existing?: boolean };
  /** Runs on the fresh context before the page loads (to route WebSockets, say). */
  prepare?: (context: BrowserContext) => Promise<unknown>;
}

interface Fixtures {
  /** Environment for the test's server; override with test.use({ serverEnv }). */
  serverEnv: Record<string, string>;
  server: ServerProcess;
  /** Opens the chat as a new user in a context of its own, signed in and connected. */
  user: (name: string, options?: UserOptions) => Promise<ChatUser>;
  /** Opens another tab of a user (same browser, same cookie), connected. */
  tab: (of: ChatUser) => Promise<ChatUser>;
}

/** Signs in on the sign-in screen: as a guest named `name`, or with `account`. */
export async function signIn(page: Page, name: string, account?: UserOptions['account']) {
  const dialog = page.getByRole('dialog', { name: 'Sign in to chat' });
  await expect(dialog).toBeVisible();
  if (!account) {
    await dialog.locator('button.mode[data-mode="guest"]').click();
    await dialog.getByLabel('Your name').fill(name);
    await dialog.locator('#auth-submit').click();
  } else {
    const mode = account.existing ? 'login' : 'signup';
    await dialog.locator(`button.mode[data-mode="${mode}"]`).click();
    await dialog.getByLabel('Username').fill(account.username);
    await dialog.getByLabel('Password').fill(account.password);
    if (!account.existing) await dialog.getByLabel('Display name (optional)').fill(name);
    await dialog.locator('#auth-submit').click();
  }
  await expect(dialog).toBeHidden();
}

/**
 * What went wrong on a page besides what a server restart makes the browser log: refused
 * connections while it is down, Engine.IO's 403 for a handshake that reaches the old
 * process as it shuts down, and its 400 for a poll of a transport the restart or the
 * end of the session closed. Every other failed request, API calls included, still counts.
 */
export const problemsBesidesDowntime = (user: ChatUser): string[] =>
  user.problems.filter(
    (p) =>
      !p.includes('net::ERR_CONNECTION_REFUSED') &&
      !/status of (400|403) .*\/socket\.io\/\?EIO=4&transport=polling/.test(p),
  );

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    // The resource's address tells a refused poll from a refused API call.
    const at = m.location().url;
    if (m.type() === 'error') problems.push(`console: ${m.text()}${at ? ` (${at})` : ''}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

function chatUser(name: string, page: Page, context: BrowserContext, problems: string[]) {
  const composer = page.getByRole('textbox', { name: 'Message' });
  const user: ChatUser = {
    name,
    page,
    context,
    problems,
    composer,
    messages: (text) =>
      page.getByTestId('message').filter({
        has: page.locator('.msg-text').getByText(text, { exact: true }),
      }),
    send: async (text) => {
      await composer.fill(text);
      await composer.press('Enter');
    },
    status: page.locator('#status'),
    transport: page.locator('#transport'),
  };
  return user;
}

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],

  server: async ({ serverEnv }, use) => {
    const server = new ServerProcess(serverEnv);
    await server.start();
    await use(server);
    await server.stop();
  },

  user: async ({ browser, server }, use, testInfo) => {
    const users: ChatUser[] = [];
    await use(async (name, options = {}) => {
      const context = await browser.newContext();
      await options.prepare?.(context);
      const page = await context.newPage();
      const problems = watch(page);
      await page.goto(`${server.url}/${options.query ?? ''}`);
      await signIn(page, name, options.account);
      const user = chatUser(name, page, context, problems);
      await expect(user.status).toHaveAttribute('data-state', 'connected');
      users.push(user);
      return user;
    });
    // Each page's final state, kept as a file in the test's output folder (test-results/),
    // all taken before any user leaves so that none shows the others going.
    for (const [i, u] of users.entries()) {
      const path = testInfo.outputPath(`final-${i + 1}.png`);
      await u.page.screenshot({ path });
      await testInfo.attach(`final state: ${u.name}`, { path, contentType: 'image/png' });
    }
    for (const u of users) await u.context.close();
  },

  tab: async ({ server }, use) => {
    await use(async (of) => {
      const page = await of.context.newPage();
      const problems = watch(page);
      await page.goto(`${server.url}/`);
      const user = chatUser(of.name, page, of.context, problems);
      await expect(user.status).toHaveAttribute('data-state', 'connected');
      return user;
    });
  },
});

export { expect };
