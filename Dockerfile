# syntax=docker/dockerfile:1
# Build stage: compiles the library and the sample app.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/session/package.json libs/session/package.json
RUN npm ci
COPY tsconfig.json nest-cli.json ./
COPY libs libs
COPY apps apps
RUN npm run build

# Runtime stage: production dependencies and the compiled output only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/session/package.json libs/session/package.json
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/libs/session/dist libs/session/dist
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
CMD ["node", "dist/apps/sample/main.js"]
