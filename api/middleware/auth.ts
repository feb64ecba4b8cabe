import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiErrors } from '../api-error';

/**
 * Bearer-token auth against CB_API_TOKENS. With no tokens configured it lets everything through (the server
 * then binds to 127.0.0.1 unless HOST is set). `/health` is always open. Tokens are compared by hash in
 * constant time and never logged.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const digests = tokens.map(digest);
  return (req, res, next) => {
    if (digests.length === 0 || req.path === '/health') return next();
    const header = req.headers.authorization;
    const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (token !== undefined) {
      const d = digest(token);
      const i = digests.findIndex((x) => timingSafeEqual(x, d));
      if (i >= 0) {
        res.locals.caller = `token-${i + 1}`;
        return next();
      }
    }
    next(ApiErrors.unauthorized());
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
