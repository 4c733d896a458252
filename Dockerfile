# One image for both services; the command chooses which (see docker-compose.yml).
# Node 24 runs the TypeScript directly (type stripping): there is no build step.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
# No install scripts: better-sqlite3 and argon2 ship prebuilt binaries, and the
# `node` dev package (Node 24 for Node 20 machines) is not needed on this image.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY shared ./shared
COPY idp ./idp
COPY relying-party ./relying-party
COPY migrations ./migrations
COPY scripts ./scripts
USER node
EXPOSE 4000 4001
CMD ["node", "idp/main.ts"]
