import { GatewayError, GatewayErrors } from '../gateway/core/errors';
import { INPUT_REFUSAL } from './definition/pipeline-messages';

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
  /** The run is running but not waiting for this input (or its wait was already answered). */
  notWaiting(id: string, why: string): GatewayError {
    return new GatewayError({ status: 409, type: 'invalid_request_error', code: 'not_waiting_for_signal', param: 'id', message: `Workflow instance '${id}' did not take the signal: ${why}.` });
  },
  /** An update nobody answered in time: no worker polls the task queue. */
  noWorker(id: string, taskQueue: string): GatewayError {
    return new GatewayError({ status: 503, type: 'service_unavailable_error', code: 'temporal_unavailable', param: null, message: `No worker answered for workflow instance '${id}' in time; is a worker polling task queue '${taskQueue}'? Temporal may still deliver this input when a worker picks the run up: check GET /v1/workflow-instances/${id} before sending it again.` });
  },
  invalid(message: string, param: string | null): GatewayError {
    return GatewayErrors.invalidRequest(message, param, 'invalid_value');
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

/**
 * A `pipelineInput` update the run refused (its validator or handler threw an ApplicationFailure of
 * INPUT_REFUSAL's types) as the API error: 400 bad payload, 409 not waiting / finished. Else undefined.
 */
export function inputRefusalError(err: unknown, id: string): GatewayError | undefined {
  if (!(err instanceof Error) || err.name !== 'WorkflowUpdateFailedError') return undefined;
  const cause = (err as { cause?: unknown }).cause;
  const type = cause instanceof Error ? (cause as { type?: unknown }).type : undefined;
  const message = cause instanceof Error ? cause.message : err.message;
  switch (type) {
    case INPUT_REFUSAL.invalid: {
      const details = (cause as { details?: unknown }).details;
      const param = Array.isArray(details) && typeof details[0] === 'string' ? details[0] : null;
      return PipelineErrors.invalid(message, param);
    }
    case INPUT_REFUSAL.finished:
      return new GatewayError({ status: 409, type: 'invalid_request_error', code: 'instance_finished', param: 'id', message: `Cannot signal workflow instance '${id}': ${message}.` });
    case INPUT_REFUSAL.notWaiting:
      return PipelineErrors.notWaiting(id, message);
    default:
      return undefined;
  }
}

/** True when the run has no handler for the update (started by a worker build that predates it). */
export function isUnknownUpdate(err: unknown): boolean {
  if (!(err instanceof Error) || err.name !== 'WorkflowUpdateFailedError') return false;
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message.startsWith('No registered handler for update');
}

/** True for a call cut off by its deadline (gRPC DEADLINE_EXCEEDED), e.g. an update no worker picked up. */
export function isDeadlineExceeded(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 4) return true;
  }
  return false;
}
