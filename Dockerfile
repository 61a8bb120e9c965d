# Cairn transparency log. Build: docker build -t cairn .   Run: docker run -p 3000:3000 -v cairn-data:/data cairn
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source: it needs python3, make and g++. So does Cairn's native ECDSA
# verifier (binding.gyp, native/; C, compiled by the gcc that g++ pulls in), which `npm ci` builds
# through its install script against the node headers in /usr/local/include/node.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/
# CAIRN_REQUIRE_NATIVE=1: a failed addon build fails the image build instead of shipping the slow JS path.
RUN CAIRN_REQUIRE_NATIVE=1 npm ci
COPY tsconfig.json tsconfig.client.json tsconfig.web.json ./
COPY src ./src
COPY scripts ./scripts
COPY test ./test
COPY web ./web
RUN npx tsc -p tsconfig.json && npm run build:web && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CAIRN_HOST=0.0.0.0 \
    CAIRN_PORT=3000 \
    CAIRN_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/ecdsa_prehash.node ./build/Release/
COPY package.json openapi.yaml ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
