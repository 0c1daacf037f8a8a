# Studio Emulator: a local emulator of Twilio Studio's REST API.
#   docker build -t studio-emulator .
#   docker run -d -p 4010:4010 -v studio-data:/data studio-emulator
# See docker/README.md.

# ---- builder: full image with python3, make and g++ to compile better-sqlite3 ----
FROM node:20-bookworm AS builder
WORKDIR /app

# Dependencies first, so this layer is reused while only the source changes.
# Install scripts stay enabled (package.json#allowScripts approves better-sqlite3 and esbuild).
# npm_config_build_from_source compiles better-sqlite3 here instead of downloading a prebuilt binary;
# the Node headers shipped in the image are used when present, so node-gyp needs no download either.
COPY package.json package-lock.json ./
RUN if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
 && npm_config_build_from_source=better-sqlite3 npm ci --no-audit --no-fund \
 && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build

# Production dependencies only: better-sqlite3 (a native addon) and htmx.org (served from its package); dist/ bundles
# every other library, so fastify and the rest are devDependencies and go here. Then drop better-sqlite3's sources and
# intermediate build files (only build/Release/better_sqlite3.node is loaded at run time), and the empty scope folders
# prune leaves.
RUN npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src binding.gyp build/Release/obj build/Release/obj.target build/Release/.deps \
           build/Release/sqlite3.a build/Release/test_extension.node build/deps build/*.mk build/Makefile \
 && cd /app && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()" \
 && test ! -e node_modules/typescript && test ! -e node_modules/tsx && test ! -e node_modules/fastify \
 && test -f node_modules/htmx.org/dist/htmx.min.js

# ---- runtime: slim image, no compiler, no dev dependencies ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4010 \
    STUDIO_DB=/data/studio.db
WORKDIR /app

# The application files belong to root and are read-only for the `node` user that runs them.
COPY package.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY migrations ./migrations
COPY bin ./bin

# The database lives in a volume owned by `node` (uid 1000).
RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node
EXPOSE 4010

# Ready = database open, writable and migrated. No curl in the image: Node's fetch does the check.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4010)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM (docker stop) drains in-flight requests, closes the database and exits 0.
CMD ["node", "dist/server.js"]
