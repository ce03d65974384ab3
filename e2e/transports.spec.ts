import { expect, test } from './support/fixtures.js';

test('WebSocket blocked: the status bar shows polling and two users still chat both ways', async ({
  user,
}) => {
  let blocked = 0;
  const alice = await user('alice', {
    // Every WebSocket to the chat is closed at once, as a proxy that breaks upgrades would.
    prepare: (context) =>
      context.routeWebSocket(/\/socket\.io\//, (ws) => {
        blocked++;
        void ws.close();
      }),
  });
  const bob = await user('bob');

  await expect(alice.transport).toHaveText('polling');
  await alice.send('sent over polling');
  await expect(bob.messages('sent over polling')).toHaveCount(1);
  await bob.send('received over polling');
  await expect(alice.messages('received over polling')).toHaveCount(1);
  await expect(alice.messages('sent over polling')).toHaveAttribute('data-status', 'sent');

  expect(blocked).toBeGreaterThan(0); // the client did try to upgrade, and was refused
  await expect(alice.transport).toHaveText('polling');
  await expect(alice.status).toHaveAttribute('data-state', 'connected');
});

test('WebSocket allowed: the status bar shows the upgrade from polling to websocket', async ({
  user,
}) => {
  const alice = await user('alice', {
    prepare: (context) =>
      // Records each transport the status bar shows, from the first paint on.
      context.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { seenTransports: string[] }).seenTransports = seen;
        document.addEventListener('DOMContentLoaded', () => {
          const node = document.getElementById('transport');
          if (!node) return;
          new MutationObserver(() => {
            const t = node.dataset.transport ?? '';
            if (t !== '' && seen[seen.length - 1] !== t) seen.push(t);
          }).observe(node, { attributes: true, attributeFilter: ['data-transport'] });
        });
      }),
  });
  await expect(alice.transport).toHaveText('websocket');
  const seen = await alice.page.evaluate(
    () => (window as unknown as { seenTransports: string[] }).seenTransports,
  );
  expect(seen).toEqual(['polling', 'websocket']);

  const bob = await user('bob', { query: '?transport=websocket' });
  await expect(bob.transport).toHaveText('websocket');
  await bob.send('hello over websocket');
  await expect(alice.messages('hello over websocket')).toHaveCount(1);

  const carol = await user('carol', { query: '?transport=polling' });
  await carol.send('forced polling');
  await expect(bob.messages('forced polling')).toHaveCount(1);
  await expect(carol.transport).toHaveText('polling');
});
