import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createNode } from './node.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
const logger = createLogger(config);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const node = createNode(config, { logger, registry });

const stop = (signal: NodeJS.Signals) => {
  logger.info({ signal }, 'shutting down');
  const bound = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  bound.unref();
  node.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

process.on('unhandledRejection', (err) => {
  logger.error({ err }, 'unhandled rejection');
});

node.listen().catch((err: unknown) => {
  logger.fatal({ err }, 'could not listen');
  process.exit(1);
});
