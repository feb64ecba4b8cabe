import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { createLogger } from '../config/logger';
import { openProcessRuntime, type ProcessRuntime } from '../runtime/process-runtime';
import { createApp } from './app';
import { createTokenCheck } from './middleware/auth';
import { declaresTooLarge, parseByteSize } from './body';
import { createRequestListener } from './request-listener';
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
  /** The process's routing runtime (shared with a worker in the same process); opened from `config` (and closed with the server) when absent. */
  runtime?: ProcessRuntime;
  /** The pipeline services; opened from `config` when absent. */
  pipelines?: PipelineApi;
}

export async function startApiServer(opts: StartApiOptions): Promise<ApiServer> {
  const { config, temporal } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  let draining = false;
  const checkToken = createTokenCheck(config.server.apiTokens, config.server.adminTokens);
  const processRuntime = opts.runtime ?? openProcessRuntime(config, logger);
  const owned = opts.runtime ? undefined : processRuntime; // closed with the server only when opened here
  const runtime = processRuntime.gateway;
  const redact = processRuntime.redact;
  const limiter = processRuntime.limiter;
  const pipelines = opts.pipelines ?? (await openPipelineApi({ config, temporal, logger }));
  const app = createApp({ config, runtime, temporal, logger, redact, checkToken, draining: () => draining, pipelines });
  const chat = new ChatCompletionsRoute({ router: runtime.router, logger, redact, sseKeepAliveMs: config.server.sseKeepAliveMs });
  const bodyLimit = parseByteSize(config.server.bodyLimit);
  const listener = createRequestListener({ app, chat, checkToken, bodyLimitBytes: bodyLimit, logger, redact, limiter });
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, listener);
  // `Expect: 100-continue` (curl and others, for large bodies): never invite a body we would refuse — the 413
  // then goes out before a byte of it is sent.
  server.on('checkContinue', (req, res) => {
    if (!declaresTooLarge(req, bodyLimit)) res.writeContinue();
    listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      void owned?.close();
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
  if (config.server.apiTokens.length + config.server.adminTokens.length === 0) {
    logger.warn(
      config.server.hostExplicit
        ? `No CB_API_TOKENS set: the API is open to anyone who can reach ${config.server.host}:${port}`
        : 'No CB_API_TOKENS set: listening on 127.0.0.1 only (set HOST to listen elsewhere, and CB_API_TOKENS to require auth)',
    );
  }
  app.locals.publicUrl = config.server.publicUrl ?? url; // links in answers (streamUrl): never from the Host header
  logger.info({ url, providers: config.providers.map((p) => `${p.name}(${p.kind})`) }, 'API listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      const timer = setTimeout(() => server.closeAllConnections(), config.server.shutdownGraceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        void Promise.all([owned?.close(), pipelines.close()]).then(() => resolve());
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, port, close };
}
