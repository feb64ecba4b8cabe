import { invalidRequestFromZod } from '../../gateway/core/zod-issues';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { GatewayError } from '../../gateway/core/errors';
import { redactError } from '../../gateway/core/redact';
import { TemporalUnavailableError } from '../../temporal/errors';
import { ApiErrors } from '../api-error';

/** The one error handler: every failure leaves as `{error:{message,type,param,code}}` with OpenAI's status codes. */
export function errorHandler(logger: Logger, redact: (text: string) => string): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => sendError(res, err, String(res.locals.requestId), logger, redact);
}

/** Writes any error in OpenAI's shape (used by the Express handler and the chat fast path alike). */
export function sendError(res: ServerResponse, err: unknown, requestId: string, logger: Logger, redact: (text: string) => string): void {
  const e = toPublicError(err, redact);
  if (e.code === 'internal_error') logger.error({ requestId, err: redact(String((err as Error)?.stack ?? err)) }, 'internal error');
  else if (e.status >= 500) logger.warn({ requestId, status: e.status, code: e.code, provider: e.provider, err: e.message }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(e.toBody());
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (e.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(e.retryAfterMs / 1000));
  if (e.provider) headers['x-cb-provider'] = e.provider;
  if (e.headers) Object.assign(headers, e.headers);
  const req = res.req as IncomingMessage | undefined;
  if (req && !req.complete) {
    // Answered before the request body was read (too large, unauthorized, …): say so, send the whole answer,
    // then drain what the client is still sending before closing — closing a socket with unread data resets it,
    // and the client would see a reset instead of this answer. Bounded: after LINGER_MS the socket closes anyway.
    headers.connection = 'close';
    res.writeHead(e.status === 499 ? 400 : e.status, headers);
    res.write(body);
    const finish = (): void => {
      clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    const timer = setTimeout(finish, LINGER_MS);
    timer.unref();
    req.once('end', finish);
    req.once('close', finish);
    req.resume();
    return;
  }
  res.writeHead(e.status === 499 ? 400 : e.status, headers);
  res.end(body);
}

/** How long an early answer waits for the rest of an unwanted request body before closing the connection. */
const LINGER_MS = 5_000;

/** The error as it may leave the process: a GatewayError whose message carries no configured secret. */
export function toPublicError(err: unknown, redact: (text: string) => string): GatewayError {
  return redactError(toGatewayError(err), redact);
}

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ZodError) return invalidRequestFromZod(err, 'request');
  if (err instanceof TemporalUnavailableError) return ApiErrors.temporalUnavailable(`${err.address} (${err.reason})`);
  return new GatewayError({ status: 500, type: 'api_error', code: 'internal_error', message: 'The gateway hit an internal error while processing your request.', cause: err });
}
