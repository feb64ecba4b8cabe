# One image for both halves: `node dist/api/main.js` (API) and `node dist/workers/main.js` (worker).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY --from=build /app/workflows/definitions ./workflows/definitions
USER node
EXPOSE 4000
CMD ["node", "dist/api/main.js"]
