import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { createLogger, createRedactor } from '../config/logger';
import type * as RateLimiterModule from '../gateway/rate-limits/rate-limiter';
import { RoutingSource } from '../config/routing-source';
import { GatewayRuntime } from '../gateway/routing/gateway-runtime';
import { createApp } from './app';
import { createTokenCheck } from './middleware/auth';
import { createRequestListener, parseByteSize } from './request-listener';
import { ChatCompletionsRoute } from './rest/chat-completions';
import type { TemporalAccess } from './temporal-access';
import type { PipelineApi } from '../pipelines/pipeline-api';
import { openPipelineApi } from '../pipelines/open-pipeline-api';

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
  /** The routing runtime; built from `config` when absent. */
  runtime?: GatewayRuntime;
  /** The pipeline services; opened from `config` when absent. */
  pipelines?: PipelineApi;
}

export async function startApiServer(opts: StartApiOptions): Promise<ApiServer> {
  const { config, temporal } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  let draining = false;
  const redact = createRedactor([...config.providers.flatMap((p) => p.apiKeys), ...config.server.apiTokens]);
  const checkToken = createTokenCheck(config.server.apiTokens);
  const providerLimits = config.providers.flatMap((p) => (p.rateLimits ? [{ provider: p.name, keys: p.apiKeys.length, ...p.rateLimits }] : []));
  const limits = config.routing.rate_limits;
  const anyLimit = providerLimits.length > 0 || [limits.per_caller, limits.global].some((l) => l.rpm !== undefined || l.tpm !== undefined);
  // Loaded only when some limit is configured: a gateway without limits never pays for it (memory, hot path).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const limiter = anyLimit ? (require('../gateway/rate-limits/rate-limiter') as typeof RateLimiterModule).createRateLimiter({ limits, providerLimits, redisUrl: config.redisUrl, keyPrefix: config.rateLimitPrefix, logger }) : undefined;
  const routing = new RoutingSource(config.routing, config.configFile, process.env, logger);
  routing.watch();
  const runtime = opts.runtime ?? new GatewayRuntime(config.providers, routing.get, { keyLimiter: limiter });
  const pipelines = opts.pipelines ?? (await openPipelineApi({ config, temporal, logger }));
  const app = createApp({ config, runtime, temporal, logger, redact, checkToken, draining: () => draining, pipelines });
  const chat = new ChatCompletionsRoute({ router: runtime.router, logger, redact, sseKeepAliveMs: config.server.sseKeepAliveMs });
  const listener = createRequestListener({ app, chat, checkToken, bodyLimitBytes: parseByteSize(config.server.bodyLimit), logger, redact, limiter });
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      void limiter?.close();
      void pipelines.close();
      reject(err);
    });
    server.listen(config.server.port, config.server.host, () => {
      server.removeAllListeners('error');
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
      routing.close();
      server.close(() => {
        clearTimeout(timer);
        void Promise.all([limiter?.close(), pipelines.close()]).then(() => resolve());
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, port, close };
}
