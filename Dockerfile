# Recoup API and worker image. Multi-stage: dependencies are installed once, the runtime
# image carries only production packages and runs as an unprivileged user.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# /data: RECOUP_DATA_DIR in docker-compose.yml; a new named volume takes this owner.
RUN rm -rf test .ci .tools .data && mkdir -p /data && chown -R node:node /app /data
USER node
EXPOSE 3000 9464
# The same image runs either half: the API (default) or `node --import tsx worker/main.ts`.
# node itself, not npm: SIGTERM must reach the process for a graceful shutdown.
CMD ["node", "--import", "tsx", "api/main.ts"]
