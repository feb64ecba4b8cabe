import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { createLogger, createRedactor } from '../config/logger';
import { ModelRegistry } from '../gateway/routing/model-registry';
import { createApp } from './app';
import { createTokenCheck } from './middleware/auth';
import { createRequestListener, parseByteSize } from './request-listener';
import { ChatCompletionsRoute } from './rest/chat-completions';
import type { TemporalAccess } from './temporal-access';

export interface ApiServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to shutdownGraceMs), then closes what is left. */
  close(): Promise<void>;
}

export interface StartApiOptions {
  config: AppConfig;
  temporal: TemporalAccess;
  logger?: Logger;
  registry?: ModelRegistry;
}

export async function startApiServer(opts: StartApiOptions): Promise<ApiServer> {
  const { config, temporal } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const registry = opts.registry ?? ModelRegistry.fromSettings(config.providers);
  let draining = false;
  const redact = createRedactor([...config.providers.flatMap((p) => p.apiKeys), ...config.server.apiTokens]);
  const checkToken = createTokenCheck(config.server.apiTokens);
  const app = createApp({ config, registry, temporal, logger, redact, checkToken, draining: () => draining });
  const chat = new ChatCompletionsRoute({ registry, logger, redact, sseKeepAliveMs: config.server.sseKeepAliveMs });
  const listener = createRequestListener({ app, chat, checkToken, bodyLimitBytes: parseByteSize(config.server.bodyLimit), logger, redact });
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  if (config.server.apiTokens.length === 0) {
    logger.warn(
      config.server.hostExplicit
        ? `No CB_API_TOKENS set: the API is open to anyone who can reach ${config.server.host}:${port}`
        : 'No CB_API_TOKENS set: listening on 127.0.0.1 only (set HOST to listen elsewhere, and CB_API_TOKENS to require auth)',
    );
  }
  logger.info({ url, providers: config.providers.map((p) => `${p.name}(${p.kind})`) }, 'API listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      const timer = setTimeout(() => server.closeAllConnections(), config.server.shutdownGraceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, port, close };
}
