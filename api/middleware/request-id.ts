import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';

const SAFE_ID = /^[\w.:-]{1,128}$/;
// A random per-process prefix and a counter: unique, and cheap on the hot path.
const PREFIX = `req_${randomBytes(6).toString('hex')}`;
let counter = 0;

/** The caller's `x-request-id` when it is a sane token, else a new one. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SAFE_ID.test(incoming)) return incoming;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PREFIX}${counter.toString(36).padStart(6, '0')}`;
}

/** Every response carries `x-request-id`. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFor(req.headers['x-request-id']);
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}
