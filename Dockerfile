# syntax=docker/dockerfile:1
# The sample app. docker-compose.yml runs three replicas of it behind nginx.

# Build stage: every dependency, then the library and the sample app compiled with tsc.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/session/package.json libs/session/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY libs libs
COPY apps apps
RUN npm run build

# Runtime stage: production dependencies and the compiled output only, run by the unprivileged
# `node` user of the official image.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/session/package.json libs/session/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/libs/session/dist libs/session/dist
COPY --from=build /app/dist/apps dist/apps
USER node
# 3000: HTTP. 4000: peer replication (replicated strategy), for the other nodes only.
EXPOSE 3000 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/sample/main.js"]
