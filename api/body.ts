import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { GatewayError, GatewayErrors } from '../gateway/core/errors';
import { parseJsonText } from '../gateway/core/json-text';

/**
 * The one request-body reader, used by the chat hot path and (as middleware) by every Express route: bounded
 * by CB_BODY_LIMIT (a declared Content-Length over it is refused before a byte is read), uncompressed only,
 * JSON parsed once. Failures are OpenAI-shaped GatewayErrors; the error writer (`sendError`) answers them
 * without resetting a connection whose body is still arriving.
 */

/** Sizes as they are configured (`512kb`, `10mb`, `1024`) → bytes. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Number(m[1]) * factor;
}

export function bodyTooLarge(limit: number): GatewayError {
  return new GatewayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: `Request body is larger than the limit of ${limit} bytes (CB_BODY_LIMIT).` });
}

/** Whether the request carries a body at all (as HTTP/1.1 frames one). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/** Whether the request declares (`Content-Length`) a body over `limit`: refused before a byte is read. */
export function declaresTooLarge(req: IncomingMessage, limit: number): boolean {
  return Number(req.headers['content-length'] ?? 0) > limit;
}

/** Reads at most `limit` bytes of an uncompressed body. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      return reject(new GatewayError({ status: 415, type: 'invalid_request_error', code: 'unsupported_encoding', message: `Content-Encoding '${encoding}' is not supported; send the body uncompressed.` }));
    }
    if (declaresTooLarge(req, limit)) return reject(bodyTooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        reject(bodyTooLarge(limit));
      } else chunks.push(c);
    };
    req.on('data', onData);
    const unreadable = (): void => reject(new GatewayError({ status: 400, type: 'invalid_request_error', code: 'aborted', message: 'The request body could not be read.' }));
    req.once('error', unreadable);
    req.once('close', () => {
      if (!req.complete) unreadable(); // the client went away mid-body: settle, never hang
    });
    req.once('end', () => {
      if (size <= limit) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  });
}

/** Reads and parses a JSON body; an empty body is `undefined` when `allowEmpty`, else a 400. */
export async function readJsonBody(req: IncomingMessage, limit: number, opts: { allowEmpty?: boolean } = {}): Promise<unknown> {
  const raw = await readBody(req, limit);
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    if (opts.allowEmpty) return undefined;
    throw GatewayErrors.invalidRequest('The request body is empty; send a JSON object with "model" and "messages".', null, 'invalid_body');
  }
  return parseJsonText(text);
}

/** Express: `req.body` = the parsed JSON body (any content type: some clients omit the header), or undefined. */
export function jsonBody(limit: string | number): RequestHandler {
  const bytes = parseByteSize(limit);
  return (req, _res, next) => {
    if (!hasBody(req)) return next();
    readJsonBody(req, bytes, { allowEmpty: true }).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}

/** Express: `req.body` = the raw body as a Buffer (for routes that verify a signature over the exact bytes). */
export function rawBody(limit: string | number): RequestHandler {
  const bytes = parseByteSize(limit);
  return (req, _res, next) => {
    if (!hasBody(req)) {
      req.body = Buffer.alloc(0);
      return next();
    }
    readBody(req, bytes).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
