# Ferry: the Slack app and/or a worker. Build: docker build -t ferry .
# Run: docker run --env-file .env -v $PWD/ferry.yml:/app/ferry.yml:ro ferry [start|app|worker]
# Node 26 is the current LTS line (Active LTS from October 2026 to October 2027, then maintenance
# until April 2029); .ci/run tests on the same major (LTS_MAJOR) and on the machine's Node.
# Debian 13 (trixie) is Debian's current stable release.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.web.json ./
COPY scripts/build.sh ./scripts/
COPY src ./src
RUN bash scripts/build.sh && npm prune --omit=dev

FROM node:26-trixie-slim
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
# The node user (uid 1000) of the official image: Ferry and the deploy commands it runs are not root.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/bin/ferry.js"]
CMD ["start"]
