import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { RateLimiter } from '../gateway/rate-limits/rate-limiter';
import { ApiErrors } from './api-error';
import { readJsonBody } from './body';
import type { createTokenCheck } from './middleware/auth';
import { sendError } from './middleware/error-handler';
import { requestIdFor } from './middleware/request-id';
import { serveWithLimits } from '../gateway/rate-limits/rate-limit-gate';
import type { ChatCompletionsRoute } from './rest/chat-completions';

/**
 * The hot path. `POST /v1/chat/completions` (and `/api/v1/…`) is served straight on node:http — request id,
 * auth, bounded JSON body, then the route — because Express's router and body parser cost several times the
 * whole proxying work (see README "Performance"). Every other route goes to the Express app, which applies
 * the same request-id, auth and error rules.
 */
export interface HotPathDeps {
  app: Express;
  chat: ChatCompletionsRoute;
  checkToken: ReturnType<typeof createTokenCheck>;
  bodyLimitBytes: number;
  logger: Logger;
  redact: (text: string) => string;
  /** Per-caller and global rate limits (admitted after auth and body parse). */
  limiter?: RateLimiter;
}

const CHAT_PATHS = new Set(['/v1/chat/completions', '/api/v1/chat/completions']);

export function createRequestListener(deps: HotPathDeps): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (req.method !== 'POST' || !CHAT_PATHS.has(q < 0 ? url : url.slice(0, q))) {
      deps.app(req, res);
      return;
    }
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const fail = (err: unknown): void => sendError(res, err, requestId, deps.logger, deps.redact);
    const caller = deps.checkToken(req.headers.authorization);
    if (caller === undefined) {
      fail(ApiErrors.unauthorized());
      return;
    }
    readJsonBody(req, deps.bodyLimitBytes).then(
      (body): Promise<unknown> =>
        deps.limiter?.limitsCallers
          ? serveWithLimits(deps.limiter, (b) => deps.chat.handle(b, res, requestId), caller, body, res, fail)
          : deps.chat.handle(body, res, requestId),
      fail,
    );
  };
}
