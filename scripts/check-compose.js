#!/usr/bin/env node
// Checks docker-compose.yml against haproxy/haproxy.cfg, without Docker:
//   node scripts/check-compose.js [path/to/docker-compose.yml]
// Exits 1 and lists every mismatch. Needs the `yaml` package (a devDependency).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const composePath = resolve(process.argv[2] ?? resolve(root, 'docker-compose.yml'));
const composeDir = dirname(composePath);
const HAPROXY_CFG_TARGET = '/usr/local/etc/haproxy/haproxy.cfg';
const APPS = ['app1', 'app2', 'app3'];

const print = (stream, line) => stream.write(`${line}\n`);

let parseYaml;
try {
  ({ parse: parseYaml } = await import('yaml'));
} catch {
  print(
    process.stderr,
    'check-compose: the `yaml` package is missing: npm install --save-dev yaml',
  );
  process.exit(1);
}

const problems = [];
const problem = (message) => problems.push(message);

/** `environment:` as a map or as a list of KEY=value, to { KEY: 'value' }. */
function envOf(service) {
  const env = service?.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [key, ...rest] = String(entry).split('=');
        return [key, rest.length > 0 ? rest.join('=') : undefined];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value == null ? undefined : String(value)]),
  );
}

/** `depends_on:` as a list or as a map of conditions, to service names. */
function dependsOn(service) {
  const deps = service?.depends_on ?? [];
  return Array.isArray(deps) ? deps.map(String) : Object.keys(deps);
}

/** `volumes:` short (src:dst[:mode]) or long syntax, to { source, target }. */
function volumesOf(service) {
  return (service?.volumes ?? []).map((volume) => {
    if (typeof volume === 'object') return { source: volume.source, target: volume.target };
    const [source, target] = String(volume).split(':');
    return target === undefined ? { source: undefined, target: source } : { source, target };
  });
}

/** `ports:` short ([ip:]published:target[/proto]) or long syntax, to { published, target }. */
function portsOf(service) {
  return (service?.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { published: Number(port.published), target: Number(port.target) };
    }
    const parts = String(port).split('/')[0].split(':');
    const target = Number(parts.at(-1));
    return { published: parts.length > 1 ? Number(parts.at(-2)) : undefined, target };
  });
}

/** `command:` as a string or a list, to its words. */
function commandOf(service) {
  const command = service?.command ?? [];
  return Array.isArray(command) ? command.map(String) : String(command).split(/\s+/);
}

/** The port of a HAProxy bind address such as `*:8080`, `127.0.0.1:8443` or `[::]:8443`. */
const bindPort = (address) => Number(String(address).split(':').at(-1));

// ---- docker-compose.yml
let compose;
try {
  compose = parseYaml(readFileSync(composePath, 'utf8'), { merge: true });
} catch (err) {
  print(process.stderr, `check-compose: cannot read ${composePath}: ${err.message}`);
  process.exit(1);
}
const services = compose?.services ?? {};
for (const name of ['postgres', 'redis', ...APPS, 'haproxy']) {
  if (!services[name]) problem(`service "${name}" is missing`);
}

// ---- postgres: the record, its data on a volume
const postgres = services.postgres;
if (postgres) {
  if (!/^postgres:1[5-9]/.test(String(postgres.image ?? ''))) {
    problem(`postgres: image must be postgres:15 or later (is: ${postgres.image})`);
  }
  if (!volumesOf(postgres).some((v) => v.target === '/var/lib/postgresql/data')) {
    problem('postgres: /var/lib/postgresql/data must be on a volume, or the record dies with it');
  }
}

// ---- redis: persistence on, data on a volume
const redis = services.redis;
if (redis) {
  const words = commandOf(redis);
  const flag = words.indexOf('--appendonly');
  if (flag === -1 || words[flag + 1] !== 'yes') {
    problem(
      `redis: command must run redis-server with "--appendonly yes" (is: ${words.join(' ')})`,
    );
  }
  if (!volumesOf(redis).some((v) => v.target === '/data')) {
    problem('redis: /data must be on a volume, or the append-only file dies with the container');
  }
}

// ---- app nodes: Redis URL, dependency, port
const appPorts = {};
for (const name of APPS) {
  const app = services[name];
  if (!app) continue;
  const env = envOf(app);
  let redisHost;
  try {
    redisHost = new URL(env.REDIS_URL ?? '').hostname;
  } catch {
    redisHost = undefined;
  }
  if (redisHost !== 'redis') {
    problem(`${name}: REDIS_URL must point at the redis service (is: ${env.REDIS_URL})`);
  }
  if (!dependsOn(app).includes('redis')) problem(`${name}: must depend_on redis`);
  let databaseHost;
  try {
    databaseHost = new URL(env.DATABASE_URL ?? '').hostname;
  } catch {
    databaseHost = undefined;
  }
  if (databaseHost !== 'postgres') {
    problem(`${name}: DATABASE_URL must point at the postgres service (is: ${env.DATABASE_URL})`);
  }
  if (!dependsOn(app).includes('postgres')) problem(`${name}: must depend_on postgres`);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0)
    problem(`${name}: PORT must be a port (is: ${env.PORT})`);
  appPorts[name] = port;
}

// ---- haproxy: its config, the servers it balances, the ports it publishes
const haproxy = services.haproxy;
if (haproxy) {
  const env = envOf(haproxy);
  const volumes = volumesOf(haproxy);
  const cfgMount = volumes.find((v) => v.target === HAPROXY_CFG_TARGET);
  const cfgPath = cfgMount?.source && resolve(composeDir, cfgMount.source);
  let cfg = '';
  if (!cfgMount) {
    problem(`haproxy: must mount haproxy/haproxy.cfg at ${HAPROXY_CFG_TARGET}`);
  } else if (cfgPath !== resolve(root, 'haproxy/haproxy.cfg')) {
    problem(
      `haproxy: ${HAPROXY_CFG_TARGET} must come from haproxy/haproxy.cfg (is: ${cfgMount.source})`,
    );
  } else if (!existsSync(cfgPath)) {
    problem(`haproxy: ${cfgPath} does not exist`);
  } else {
    cfg = readFileSync(cfgPath, 'utf8');
  }

  // Defaults the config gives itself: presetenv NAME "value".
  const defaults = Object.fromEntries(
    [...cfg.matchAll(/^\s*presetenv\s+(\S+)\s+"([^"]*)"/gm)].map((m) => [m[1], m[2]]),
  );

  for (const [i, name] of APPS.entries()) {
    const variable = `APP${i + 1}_ADDR`;
    const expected = `${name}:${appPorts[name] ?? 3000}`;
    if (env[variable] !== expected) {
      problem(`haproxy: ${variable} must be ${expected} (is: ${env[variable]})`);
    }
    if (cfg && !cfg.includes(`"\${${variable}}"`)) {
      problem(`haproxy.cfg: no server uses "\${${variable}}"`);
    }
  }
  const missing = APPS.filter((name) => !dependsOn(haproxy).includes(name));
  if (missing.length > 0) problem(`haproxy: must depend_on ${missing.join(', ')}`);

  if (cfg) {
    const ports = portsOf(haproxy);
    for (const variable of ['HAPROXY_HTTP_BIND', 'HAPROXY_HTTPS_BIND']) {
      const fallback = defaults[variable];
      if (fallback === undefined) {
        problem(`haproxy.cfg: no presetenv default for ${variable}`);
        continue;
      }
      const port = bindPort(fallback);
      if (env[variable] !== undefined && bindPort(env[variable]) !== port) {
        problem(`haproxy: ${variable}=${env[variable]} moves off the config's port ${port}`);
      }
      if (!ports.some((p) => p.target === port)) {
        problem(`haproxy: container port ${port} (${variable}) is not published`);
      }
    }
    // The HTTP frontend redirects to this port: it must be the one the host publishes.
    const httpsPort = bindPort(env.HAPROXY_HTTPS_BIND ?? defaults.HAPROXY_HTTPS_BIND);
    const published = ports.find((p) => p.target === httpsPort)?.published;
    const redirectPort = Number(env.HAPROXY_HTTPS_PORT ?? defaults.HAPROXY_HTTPS_PORT);
    if (published !== undefined && published !== redirectPort) {
      problem(
        `haproxy: HAPROXY_HTTPS_PORT (${redirectPort}) must be the published HTTPS port (${published})`,
      );
    }
    const cert = env.HAPROXY_CERT ?? defaults.HAPROXY_CERT;
    if (!volumes.some((v) => v.target && cert?.startsWith(`${v.target.replace(/\/$/, '')}/`))) {
      problem(`haproxy: HAPROXY_CERT (${cert}) is not inside a mounted directory`);
    }
  }
}

if (problems.length > 0) {
  print(process.stderr, `check-compose: ${composePath} does not match:`);
  for (const message of problems) print(process.stderr, `  - ${message}`);
  process.exit(1);
}
print(
  process.stdout,
  `check-compose: ${composePath} OK (postgres on a volume, redis with AOF, ${APPS.join(', ')} on both, haproxy in front)`,
);
