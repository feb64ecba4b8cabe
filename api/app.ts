import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { GatewayRuntime } from '../gateway/routing/gateway-runtime';
import { ApiErrors } from './api-error';
import { dependencyProbes } from './dependency-probes';
import { jsonBody } from './body';
import { bearerAuth, type createTokenCheck } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { requestId } from './middleware/request-id';
import { temporalPingHandler } from './rest/diagnostics';
import { embeddingsHandler } from './rest/embeddings';
import { healthHandler, readyHandler } from './rest/health';
import { getModelHandler, listModelsHandler } from './rest/models';
import { providersHandler } from './rest/providers';
import { requireTemporal, type TemporalAccess } from './temporal-access';
import type { PipelineApi } from '../pipelines/pipeline-api';
import { workflowRoutes, hookRoutes } from './rest/workflows';

export interface AppDeps {
  config: AppConfig;
  runtime: GatewayRuntime;
  temporal: TemporalAccess;
  logger: Logger;
  /** True once shutdown began (readiness turns 503). */
  draining: () => boolean;
  /** Scrubs configured secrets from any text that leaves the process. */
  redact: (text: string) => string;
  checkToken: ReturnType<typeof createTokenCheck>;
  /** Pipeline services (workflow definitions, instances, SSE, hooks); routes are absent without them. */
  pipelines?: PipelineApi;
}

/**
 * The Express app: thin routes over the gateway and Temporal services, one error handler.
 * (`POST /v1/chat/completions` is served ahead of it by the hot-path listener, api/request-listener.ts.)
 */
export function createApp(deps: AppDeps): Express {
  const { config, runtime, temporal, logger, redact } = deps;
  const registry = runtime.registry;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId());
  app.get('/health', healthHandler());
  if (deps.pipelines) for (const base of ['/v1', '/api/v1']) app.use(base, hookRoutes(deps.pipelines, temporal, deps.checkToken, config.server.bodyLimit));
  app.use(bearerAuth(deps.checkToken));
  // Any content type is read as JSON: some clients omit the header; a bad body is a 400, not a silent {}.
  app.use(jsonBody(config.server.bodyLimit));

  const v1 = express.Router();
  v1.get('/models', listModelsHandler(registry));
  v1.get('/models/*id', getModelHandler(registry));
  v1.post('/embeddings', embeddingsHandler(registry));
  v1.get('/providers', providersHandler(runtime));
  v1.post(
    '/diagnostics/temporal-ping',
    requireTemporal(temporal),
    temporalPingHandler({ temporal, taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, uiUrl: config.temporal.uiUrl }),
  );
  if (deps.pipelines) v1.use(workflowRoutes(deps.pipelines, temporal, config.server.sseKeepAliveMs));
  app.use('/v1', v1);
  app.use('/api/v1', v1); // OpenRouter-style base URLs work unchanged.

  const probes = dependencyProbes({ redisUrl: config.redisUrl, databaseUrl: process.env.DATABASE_URL || undefined });
  app.get('/ready', readyHandler({ temporal, providers: config.providers.map((p) => p.name), draining: deps.draining, probes }));
  app.use((req: Request, _res: Response, next: NextFunction) => next(ApiErrors.routeNotFound(req.method, req.path)));
  app.use(errorHandler(logger, redact));
  return app;
}
