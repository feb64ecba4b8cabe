import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiErrors } from '../api-error';

/**
 * Bearer-token auth against CB_API_TOKENS. With no tokens configured everything is let through (the server
 * then binds to 127.0.0.1 unless HOST is set). Tokens are compared by hash in constant time, never logged.
 * Returns the caller's label (`token-<n>`, `admin-<n>` for CB_ADMIN_TOKENS, or `anonymous` when auth is off), or
 * undefined when refused.
 */
export function createTokenCheck(tokens: readonly string[], adminTokens: readonly string[] = []): (authorization: string | undefined) => string | undefined {
  const digests = tokens.map(digest);
  const adminDigests = adminTokens.map(digest);
  return (header) => {
    if (digests.length === 0 && adminDigests.length === 0) return 'anonymous';
    const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (token === undefined) return undefined;
    const d = digest(token);
    const i = digests.findIndex((x) => timingSafeEqual(x, d));
    if (i >= 0) return `token-${i + 1}`;
    const a = adminDigests.findIndex((x) => timingSafeEqual(x, d));
    return a >= 0 ? `admin-${a + 1}` : undefined;
  };
}

/** Who is asking, for what callers own: an operator (`admin-<n>`) or a server without auth sees everything. */
export function viewerOf(caller: string): { caller: string; admin: boolean } {
  return { caller, admin: caller === 'anonymous' || caller.startsWith('admin-') };
}

/** The Express middleware form; `/health` is always open. */
export function bearerAuth(check: ReturnType<typeof createTokenCheck>): RequestHandler {
  return (req, res, next) => {
    if (req.path === '/health') return next();
    const caller = check(req.headers.authorization);
    if (caller === undefined) return next(ApiErrors.unauthorized());
    res.locals.caller = caller;
    next();
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
