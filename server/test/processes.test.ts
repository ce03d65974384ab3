import { createServer } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { HaproxyProcess, onSomeFreePort } from '../../scripts/lib/processes.js';

test('a start that fails on its port is tried again on another one', async () => {
  const ports: number[] = [];
  await onSomeFreePort((port) => {
    ports.push(port);
    return ports.length === 1 ? Promise.reject(new Error('taken meanwhile')) : Promise.resolve();
  });
  expect(ports).toHaveLength(2);
  await expect(onSomeFreePort(() => Promise.reject(new Error('always taken')))).rejects.toThrow(
    'always taken',
  );
});

test('HAProxy that cannot bind fails its start at once instead of probing a port it lacks', async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    squatter.close();
  });
  const address = squatter.address();
  const taken = typeof address === 'object' && address ? address.port : 0;
  const haproxy = new HaproxyProcess({
    config: 'haproxy/haproxy.cfg',
    httpPort: taken,
    env: {
      HAPROXY_HTTP_BIND: `127.0.0.1:${taken}`,
      HAPROXY_HTTPS_BIND: `127.0.0.1:${taken}`,
      HAPROXY_CERT: '/nonexistent.pem',
    },
  });
  onTestFinished(() => haproxy.stop().then(() => undefined));
  await expect(haproxy.start()).rejects.toThrow(/haproxy exited/);
});
