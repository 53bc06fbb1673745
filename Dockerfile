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
RUN rm -rf test .ci .tools .data && chown -R node:node /app
USER node
EXPOSE 3000
# The same image runs either half: `npm run api` (default) or `npm run worker`.
CMD ["npm", "run", "api"]
