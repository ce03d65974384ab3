# syntax=docker/dockerfile:1
# The chat server, one node per container. docker-compose.yml runs three behind HAProxy.

# ---- deps: production dependencies. better-sqlite3 is a native module: where no prebuilt
# binary can be fetched it compiles, which needs Python, make and a C++ compiler.
FROM node:24-bookworm-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the dependency layers are reused until they change.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# ---- build: compile the server and bundle the browser client (needs dev dependencies)
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the build output, nothing else
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
# package.json stays: its "type": "module" is what makes Node load dist/ as ES modules.
COPY --from=build /app/dist ./dist
# Files stay owned by root, so the process can't rewrite its own code. A node running alone
# (no REDIS_URL) keeps its SQLite database in /data: mount a volume there to keep it.
RUN mkdir /data && chown node:node /data
ENV DATA_DIR=/data
VOLUME /data
USER node
EXPOSE 3000
# Liveness only (/healthz). Readiness (/readyz) is HAProxy's business: a draining node is
# alive, and Docker restarting it would cut the drain short. No curl in slim images: Node's fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server drains on SIGTERM (/readyz 503 for SHUTDOWN_DRAIN_MS, then closes sockets).
# Node runs as PID 1 without an init, which is fine: it installs its own SIGTERM/SIGINT handlers.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/src/main.js"]
