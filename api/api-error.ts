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
};
