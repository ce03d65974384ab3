import type { WebSocketRoute } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { shoot } from './support/shoot.js';

const OFFLINE = /^Offline — messages will be sent when you[’']re back$/;

test('the network goes away: "Offline" within 5 s, a message typed meanwhile waits, and is delivered once when back', async ({
  user,
}) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await alice.send('before');
  await expect(bob.messages('before')).toHaveCount(1);

  await alice.context.setOffline(true);
  await expect(alice.page.locator('#status-text')).toHaveText(OFFLINE, { timeout: 5000 });
  await expect(alice.status).toHaveAttribute('data-state', 'offline');
  await alice.send('typed offline');
  await expect(alice.messages('typed offline')).toHaveAttribute('data-status', 'pending');
  await shoot(alice.page, 'offline');
  await expect(alice.page.locator('#status-text')).toHaveText(OFFLINE);

  await alice.context.setOffline(false);
  await expect(alice.status).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  await expect(alice.page.locator('#status-text')).toHaveText('Connected');
  await expect(alice.messages('typed offline')).toHaveAttribute('data-status', 'sent');
  await expect(bob.messages('typed offline')).toHaveCount(1);
  // Nothing arrives twice later on either.
  await alice.send('after');
  await expect(bob.messages('after')).toHaveCount(1);
  await expect(bob.messages('typed offline')).toHaveCount(1);
  await expect(alice.messages('typed offline')).toHaveCount(1);
});

test('a link that goes dead without the browser noticing is given up within seconds, and what waited is sent once', async ({
  user,
}) => {
  // Every WebSocket goes through this route; the first one can be made to carry nothing
  // more either way while it stays open, as a dead network path does.
  const links: { dead: boolean }[] = [];
  const relay = (ws: WebSocketRoute) => {
    const link = { dead: false };
    links.push(link);
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (!link.dead) server.send(m);
    });
    server.onMessage((m) => {
      if (!link.dead) ws.send(m);
    });
  };
  const alice = await user('alice', {
    query: '?transport=websocket',
    prepare: (context) => context.routeWebSocket(/\/socket\.io\//, relay),
  });
  const bob = await user('bob');
  await alice.send('before');
  await expect(bob.messages('before')).toHaveCount(1);
  expect(links).toHaveLength(1);

  const first = links[0];
  if (first) first.dead = true;
  await alice.send('typed on a dead link');
  await expect(alice.messages('typed on a dead link')).toHaveAttribute('data-status', 'pending');
  // Engine.IO's own heartbeat would take 45 s; the chat's check takes 8 s at most.
  await expect(alice.status).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });

  await expect(alice.status).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  await expect(bob.messages('typed on a dead link')).toHaveCount(1);
  await expect(alice.messages('typed on a dead link')).toHaveAttribute('data-status', 'sent');
  await alice.send('after');
  await expect(bob.messages('after')).toHaveCount(1);
  await expect(bob.messages('typed on a dead link')).toHaveCount(1);
});
