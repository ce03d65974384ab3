import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import compression from 'compression';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface ClientAssets {
  handler: RequestHandler;
  close: () => Promise<void>;
}

/**
 * Security headers for the page. The CSP forbids inline scripts everywhere; Vite's dev
 * server injects styles inline and talks to its own HMR socket, so dev relaxes those two.
 */
export function securityHeaders(mode: Config['client']): RequestHandler {
  const dev = mode === 'vite';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // 'self' covers same-origin ws:/wss: in current browsers; dev adds Vite's HMR socket.
        connectSrc: dev ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // TLS and HSTS belong to the proxy in front (see haproxy/); over plain HTTP on
    // localhost HSTS would only get in the way.
    strictTransportSecurity: false,
  });
}

/** Serves the built client, or Vite's dev middleware; undefined when the client is off. */
export async function createClientAssets(
  config: Config,
  httpServer: HttpServer,
  logger: Logger,
): Promise<ClientAssets | undefined> {
  if (config.client === 'off') return undefined;
  if (config.client === 'vite') {
    // Imported only here: Vite is a development dependency, absent from production installs.
    const { createServer } = await import('vite');
    const vite = await createServer({
      configFile: resolve('vite.config.ts'),
      server: { middlewareMode: true, hmr: { server: httpServer } },
      appType: 'spa',
    });
    return { handler: vite.middlewares, close: () => vite.close() };
  }
  const dir = resolve(config.clientDir);
  if (!existsSync(resolve(dir, 'index.html'))) {
    logger.warn({ dir }, 'no built client found; run `npm run build` to serve the chat page');
    return undefined;
  }
  const files = express.static(dir, {
    index: 'index.html',
    setHeaders(res, path) {
      // Vite puts a content hash in every asset name, so those never change.
      if (path.startsWith(resolve(dir, 'assets'))) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      } else {
        res.setHeader('Cache-Control', 'no-cache');
      }
    },
  });
  // Brotli or gzip as the browser accepts (with Vary: Accept-Encoding): the page's script is
  // about a third of its size compressed. Socket.IO's own traffic never passes here.
  const assets = express.Router();
  assets.use(compression({ threshold: 1024 }), files);
  return { handler: assets, close: () => Promise.resolve() };
}
