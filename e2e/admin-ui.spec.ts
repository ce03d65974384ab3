import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';

test.use({ serverEnv: { ADMIN_UI: 'true', ADMIN_USERS: 'root' } });

/**
 * What the server answers, in this page (with its cookie), to a connection to the admin
 * namespace: Engine.IO's handshake, then Socket.IO's CONNECT for `/admin`, over a WebSocket
 * the page opens itself, as the admin UI's own client does.
 */
function connectToAdmin(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/socket.io/?EIO=4&transport=websocket`);
        ws.onmessage = (e) => {
          const packet = String(e.data);
          if (packet.startsWith('0{')) ws.send('40/admin,');
          else if (packet.startsWith('2')) ws.send('3');
          else if (packet.startsWith('40/admin') || packet.startsWith('44/admin')) {
            ws.close();
            resolve(packet);
          }
        };
        ws.onerror = () => {
          reject(new Error('websocket failed'));
        };
      }),
  );
}

test('the admin UI is refused to an anonymous visitor and to a member, and open to an operator', async ({
  page,
  server,
  user,
}) => {
  // Anyone may load the page; it shows the admin UI's own screen.
  await page.goto(`${server.url}/admin/`);
  await expect(page).toHaveTitle('Socket.IO Admin UI');
  // Without a session, the namespace refuses.
  expect(await connectToAdmin(page)).toMatch(/^44\/admin,.*sign in as an operator/);

  const member = await user('Mike', {
    account: { username: 'mike', password: 'correct horse battery' },
  });
  expect(await connectToAdmin(member.page)).toMatch(/^44\/admin,.*operators \(ADMIN_USERS\) only/);

  const root = await user('Root', {
    account: { username: 'root', password: 'correct horse battery' },
  });
  expect(await connectToAdmin(root.page)).toMatch(/^40\/admin,\{"sid":/);
});
