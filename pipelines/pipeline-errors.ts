import type { ZodError } from 'zod';
import { GatewayError } from '../gateway/core/errors';

/** The pipeline service's errors: GatewayErrors, so REST (and later GraphQL) map them one way. */
export const PipelineErrors = {
  unknownDefinition(id: string, version?: number): GatewayError {
    const what = version === undefined ? `'${id}'` : `'${id}' version ${version}`;
    return new GatewayError({ status: 404, type: 'not_found_error', code: 'workflow_not_found', param: 'workflowId', message: `Unknown workflow definition ${what}. GET /v1/workflow-definitions lists them.` });
  },
  unknownInstance(id: string): GatewayError {
    return new GatewayError({ status: 404, type: 'not_found_error', code: 'instance_not_found', param: 'id', message: `Unknown workflow instance '${id}'.` });
  },
  unknownHook(name: string): GatewayError {
    return new GatewayError({ status: 404, type: 'not_found_error', code: 'hook_not_found', param: 'name', message: `Unknown hook '${name}' (configure it under hooks: in CB_CONFIG).` });
  },
  invalidInitialData(message: string, field: string | null): GatewayError {
    return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_initial_data', param: field ? `initialData.${field}` : 'initialData', message });
  },
  finished(id: string, status: string, action: string): GatewayError {
    return new GatewayError({ status: 409, type: 'invalid_request_error', code: 'instance_finished', param: 'id', message: `Cannot ${action} workflow instance '${id}': it is already ${status}.` });
  },
  invalid(message: string, param: string | null): GatewayError {
    return GatewayError.invalidRequest(message, param, 'invalid_value');
  },
  /** The first zod issue, naming its field (`data.x`). */
  fromZod(err: ZodError, root: string): GatewayError {
    const issue = err.issues[0];
    const param = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
    return GatewayError.invalidRequest(`Invalid ${root}: ${param ? `'${param}': ` : ''}${issue?.message ?? 'invalid'}`, param, 'invalid_value');
  },
  hookUnauthorized(name: string): GatewayError {
    return new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_hook_signature', message: `Hook '${name}' needs its secret: send it as 'x-cb-hook-token', or sign the body ('x-cb-signature: sha256=<hex HMAC-SHA256>').` });
  },
};

/** True for the Temporal client's "no such workflow" errors (matched by name: the SDK is loaded lazily). */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'WorkflowNotFoundError' || err.name === 'ScheduleNotFoundError') return true;
  return (err as { code?: unknown }).code === 5; // gRPC NOT_FOUND
}
