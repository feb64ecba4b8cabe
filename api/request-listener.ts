import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { GatewayError } from '../gateway/core/errors';
import type { RateLimiter } from '../gateway/rate-limits/rate-limiter';
import { ApiErrors } from './api-error';
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
      discardBody(req, res);
      fail(ApiErrors.unauthorized());
      return;
    }
    readJsonBody(req, deps.bodyLimitBytes).then(
      (body): Promise<unknown> =>
        deps.limiter?.limitsCallers
          ? serveWithLimits(deps.limiter, (b) => deps.chat.handle(b, res, requestId), caller, body, res, fail)
          : deps.chat.handle(body, res, requestId),
      (err: unknown) => {
        discardBody(req, res);
        fail(err);
      },
    );
  };
}

/** Reads and parses a JSON body of at most `limit` bytes; rejects with OpenAI-shaped GatewayErrors. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      return reject(new GatewayError({ status: 415, code: 'unsupported_encoding', message: `Content-Encoding '${encoding}' is not supported; send the JSON body uncompressed.` }));
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        reject(tooLarge(limit));
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.once('error', () => reject(new GatewayError({ status: 400, code: 'aborted', message: 'The request body could not be read.' })));
    req.once('end', () => {
      if (size > limit) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(GatewayError.invalidRequest('The request body is empty; send a JSON object with "model" and "messages".', null, 'invalid_body'));
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(GatewayError.invalidRequest('We could not parse the JSON body of your request. The body must be valid JSON (check quoting and trailing commas).', null, 'invalid_json'));
      }
    });
  });
}

/** Sizes as Express writes them (`512kb`, `10mb`) → bytes. */
export function parseByteSize(size: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: `Request body is larger than the limit of ${limit} bytes (CB_BODY_LIMIT).` });
}

/** After an early answer, close the connection rather than read an unwanted body. */
function discardBody(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete) {
    res.setHeader('connection', 'close');
    req.resume();
  }
}
