/**
 * Replaces every configured secret (provider keys, API tokens, hook secrets) found in a text with `[redacted]`.
 * The gateway runtime applies it where upstream text enters (an upstream may echo a key in its error), so what
 * circuits remember, what routes answer, what pipeline events and Temporal failures carry is already clean; the
 * API applies it again to everything it writes or logs.
 */
import { GatewayError } from './errors';

export type Redact = (text: string) => string;

export function createRedactor(secrets: readonly string[]): Redact {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}

/**
 * The error with every secret removed from its message, or itself when there was none. A redacted copy keeps no
 * `cause`: the original (whose message and stack carry the secret) must not travel on (Temporal serialises causes).
 */
export function redactError(e: GatewayError, redact: Redact): GatewayError {
  const message = redact(e.message);
  if (message === e.message) return e;
  return new GatewayError({ status: e.status, message, type: e.type, code: e.code, param: e.param, provider: e.provider, retryable: e.retryable, retryAfterMs: e.retryAfterMs, headers: e.headers });
}
