# Build: compile TypeScript with the dev dependencies, then ship only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Install scripts are skipped: this stage only runs tsc, so no native addon is compiled here.
RUN npm ci --ignore-scripts
COPY jobs ./jobs
COPY src ./src
COPY bench ./bench
RUN npm run build

# Production dependencies only; better-sqlite3's native addon is built here, not downloaded at run
# time. Its SQLite sources and compile leftovers stay in this stage: only the addon itself ships.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 \
    && cd node_modules/better-sqlite3 \
    && mv build/Release/better_sqlite3.node . \
    && rm -rf build deps src binding.gyp \
    && mkdir -p build/Release && mv better_sqlite3.node build/Release/

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATABASE_URL=/app/data/reeval.sqlite \
    OUTBOX_DIR=/app/data/outbox \
    POLICY_FILE=/app/config/policy.json
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
# The policy lives outside the data volume, so mounting a host folder on /app/data cannot hide it;
# mount your own policy over /app/config/policy.json (or set POLICY_FILE) to change thresholds.
COPY data/policy.json ./config/policy.json
COPY data/sample ./sample
COPY jobs/healthcheck.mjs ./jobs/healthcheck.mjs
RUN ln -s /app/dist/jobs/cli.js /usr/local/bin/csp-reeval && chmod +x /app/dist/jobs/cli.js \
    && mkdir -p /app/data && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
# A scheduler container is healthy while its heartbeat is fresh (it beats every 30 s, and while a run
# is going); a one-off container (import, run) runs no scheduler and is healthy as such.
HEALTHCHECK --interval=1m --timeout=10s --start-period=2m --retries=3 CMD ["node", "/app/jobs/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "csp-reeval"]
CMD ["schedule"]
