# Ferry: the Slack app and/or a worker. Build: docker build -t ferry .
# Run: docker run --env-file .env -v $PWD/ferry.yml:/app/ferry.yml:ro ferry [start|app|worker]
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.web.json ./
COPY scripts/build.sh ./scripts/
COPY src ./src
RUN bash scripts/build.sh && npm prune --omit=dev

FROM node:20-bookworm-slim
# git checks deploys out; bash, tar and coreutils run the deploy commands; tini reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bash ca-certificates openssh-client tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production FERRY_CONFIG=/app/ferry.yml PORT=3000
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The store's Lua scripts are read from src/store/lua at run time (src/store/lua.ts), not from dist/.
COPY --from=build /app/src/store/lua ./src/store/lua
COPY package.json manifest.yml ferry.example.yml ./
COPY commands ./commands
RUN mkdir -p /app/.ferry && chown -R node:node /app/.ferry
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/bin/ferry.js"]
CMD ["start"]
