# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, ship only dist/ and production node_modules, run as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY src src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
RUN chmod 0755 dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/cam-rotator
# The code is owned by root and read-only to the process; the process runs as the image's unprivileged user.
USER node
EXPOSE 9464 18080
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
