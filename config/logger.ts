import pino, { type Logger } from 'pino';

/** The process logger. Credentials are redacted wherever they could appear in a logged object. */
export function createLogger(level: string, name = 'circuit-breaker'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*["api-key"]',
        '*["x-api-key"]',
        '*["x-goog-api-key"]',
        '*.apiKey',
        '*.apiKeys',
        '*.api_key',
        '*.api_keys',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}

/**
 * Replaces every configured secret (provider keys, API tokens) found in a text with `[redacted]`. Applied to
 * every error message that leaves the process or reaches a log, whatever an upstream chose to echo back.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}
