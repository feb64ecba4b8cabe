import type { ZodError } from 'zod';
import { GatewayError } from '../gateway/core/errors';

/**
 * The API layer's errors are GatewayErrors too (one shape for the one error handler); these constructors
 * name the API-level cases.
 */
export const ApiErrors = {
  unauthorized(): GatewayError {
    return new GatewayError({
      status: 401,
      type: 'authentication_error',
      code: 'invalid_api_key',
      message: 'Missing or invalid bearer token. Send "Authorization: Bearer <token>" with one of the tokens in CB_API_TOKENS.',
    });
  },
  routeNotFound(method: string, path: string): GatewayError {
    return new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_url', message: `Unknown request URL: ${method} ${path}.` });
  },
  temporalUnavailable(detail: string): GatewayError {
    return new GatewayError({ status: 503, type: 'service_unavailable_error', code: 'temporal_unavailable', message: `This route needs the Temporal server, which is not reachable right now: ${detail}` });
  },
  fromZod(err: ZodError, root: string): GatewayError {
    const issue = err.issues[0];
    const param = issue ? formatPath(issue.path) : null;
    const message = issue
      ? `Invalid ${root}: ${param ? `'${param}': ` : ''}${issue.message}${err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : ''}`
      : `Invalid ${root}`;
    return GatewayError.invalidRequest(message, param, 'invalid_value');
  },
};

/** `messages[0].content` style, as OpenAI names params. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}
