# One image, four processes: `api` (default command), `worker`, and the demo's `fake-pleo` and `fake-xero`
# (see docker-compose.yml).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script (Prisma's engines are not downloaded: the client is
# generated offline and migrations run on Prisma's WebAssembly engine).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json prisma.config.ts ./
COPY prisma ./prisma
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
COPY scripts ./scripts
COPY test/fixtures ./test/fixtures
COPY apps/fake-pleo/specs ./apps/fake-pleo/specs
COPY apps/fake-xero/specs ./apps/fake-xero/specs
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
