# One image for every swarmflow process; the command picks the role:
#   swarmflow api --host 0.0.0.0     REST API, editor, /codec for the Temporal UI
#   swarmflow worker                 swarm worker (workflows, tools)
#   swarmflow worker --inference     inference worker (model calls, one task queue per pool)
#   swarmflow sim --host 0.0.0.0     the simulated model server (answers labelled [simulated])
# Build: docker build -t swarmflow:local .

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY dsl ./dsl
COPY workflows ./workflows
COPY activities ./activities
COPY runtime ./runtime
COPY server ./server
COPY cli ./cli
COPY sim ./sim
COPY bench ./bench
COPY schemas ./schemas
COPY editor ./editor
COPY examples ./examples
# TypeScript to dist/, the two workflow bundles (plain, and with the encoding
# failure converter for SWARMFLOW_CODEC_KEYS deployments), and the editor.
RUN npm run build \
 && node dist/runtime/bundle.js dist/workflow-bundle.js \
 && node dist/runtime/codec/bundle.js dist/workflow-bundle-encrypted.js \
 && node node_modules/vite/bin/vite.js build --config editor/vite.config.ts --logLevel warn \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    SWARMFLOW_HOME=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/editor/dist ./editor/dist
COPY --from=build /app/examples ./examples
COPY --from=build /app/schemas ./schemas
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 8787 API (and /codec), 8788 simulated model server, 9464 metrics (internal)
EXPOSE 8787 8788 9464
ENTRYPOINT ["node", "bin/swarmflow.js"]
CMD ["worker"]
