# syntax=docker/dockerfile:1
# Build: compile TypeScript with the dev dependencies, then ship only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY jobs ./jobs
COPY src ./src
COPY bench ./bench
RUN npm ci

# Production dependencies only; better-sqlite3's native addon is built here, not downloaded at run time.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATABASE_URL=/app/data/reeval.sqlite \
    OUTBOX_DIR=/app/data/outbox \
    POLICY_FILE=/app/config/policy.json
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
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
# Healthy while the scheduler's heartbeat is fresh (it beats every 30 s, and while a run is going).
HEALTHCHECK --interval=1m --timeout=10s --start-period=2m --retries=3 CMD ["node", "/app/jobs/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "csp-reeval"]
CMD ["schedule"]
