# Tasklane on the official Node.js image (issue 11).
#   docker build -t tasklane .
#   docker run -p 8787:8787 -v tasklane-data:/data tasklane
# Build stage: install from the lock file (the install builds dist/ and web/dist/),
# then drop the development packages.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
COPY fixtures ./fixtures
COPY scripts ./scripts
COPY tsconfig.json tsconfig.client.json ./
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: only what `tasklane` runs, as the image's unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATABASE_URL=/data/tasklane.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/fixtures ./fixtures
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
# Liveness through the process's own HTTP server (the slim image has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `docker stop` sends SIGTERM: Tasklane finishes requests in flight (SHUTDOWN_TIMEOUT_SECONDS, 10 s; keep it below the stop timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/tasklane.js"]
CMD ["serve"]
