# Cairn transparency log.
#   Build: docker build -t cairn --build-arg VERSION=$(node -p 'require("./package.json").version') --build-arg REVISION=$(git rev-parse HEAD) .
#   Run:   docker run -p 3000:3000 -v cairn-data:/data cairn
#   A log with two witnesses and a monitor: deploy/docker-compose.yml. Every setting: deploy/cairn.env.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source: it needs python3, make and g++. So does Cairn's native ECDSA
# verifier (binding.gyp, native/; C, compiled by the gcc that g++ pulls in), which `npm ci` builds
# through its install script against the node headers in /usr/local/include/node.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts/build-native.mjs scripts/build-web.mjs ./scripts/
# CAIRN_REQUIRE_NATIVE=1: a failed addon build fails the image build instead of shipping the slow JS path.
RUN CAIRN_REQUIRE_NATIVE=1 npm ci
# tsconfig.build.json compiles src/ only: no tests, benchmarks or scripts in the image.
COPY tsconfig.json tsconfig.build.json tsconfig.client.json tsconfig.web.json ./
COPY src ./src
COPY web ./web
RUN npx tsc -p tsconfig.build.json && npm run build:web && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="cairn" \
      org.opencontainers.image.description="A transparency log (Rekor v1 and C2SP tlog-tiles compatible), with witness, monitor and image signing commands" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
WORKDIR /app
# Every command's default state lives under /data, owned by the image's user (node): the log's data
# dir is /data itself (as in earlier images), the witness's /data/witness, the monitor's state file
# /data/monitor/state.json.
ENV NODE_ENV=production \
    CAIRN_HOST=0.0.0.0 \
    CAIRN_PORT=3000 \
    CAIRN_DATA_DIR=/data \
    CAIRN_WITNESS_HOST=0.0.0.0 \
    CAIRN_WITNESS_DATA_DIR=/data/witness \
    CAIRN_MONITOR_STATE_FILE=/data/monitor/state.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/ecdsa_prehash.node ./build/Release/
COPY package.json openapi.yaml ./
COPY migrations ./migrations
RUN mkdir -p /data/witness /data/monitor && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 3100
# `cairn healthcheck` asks the port the settings name (CAIRN_PORT, --config): it follows a changed port.
# A witness container runs `healthcheck --witness` instead (deploy/docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD ["node", "dist/src/cli/main.js", "healthcheck"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
