/**
 * The typed Temporal messages of the pipeline workflow, shared by the workflow (handlers) and its clients (the
 * pipeline service, tests): the workflow's type, the state query, the `pipelineInput` update that answers a
 * `wait_signal` step, and the older fire-and-forget `pipelineSignal`.
 *
 * The definitions are the `{type, name}` objects `defineQuery` / `defineUpdate` / `defineSignal` build, written
 * out here against `@temporalio/common`'s types: the API process gets typed messages without loading
 * `@temporalio/workflow` (≈9 MB of idle memory), and the workflow registers its handlers on the same objects.
 * Node-free: the workflow bundle imports this file.
 */
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { JsonObject, JsonValue, PipelineInput, PipelineResult, PipelineSignalPayload, PipelineState } from './types';

/** The workflow type name (the exported function in workflows/index.ts). */
export const PIPELINE_WORKFLOW = 'pipelineWorkflow';
export const PIPELINE_STATE_QUERY = 'pipelineState';
export const PIPELINE_INPUT_UPDATE = 'pipelineInput';
export const PIPELINE_SIGNAL = 'pipelineSignal';

/**
 * The workflow's signature: clients start it as `client.workflow.start<PipelineWorkflow>(PIPELINE_WORKFLOW, …)`
 * (typed args and result, no workflow code loaded); workflows/pipeline-workflow.ts is checked against it.
 */
export type PipelineWorkflow = (input: PipelineInput) => Promise<PipelineResult>;

/** What an accepted `pipelineInput` update answers. */
export interface PipelineInputAccepted {
  accepted: true;
  /** The `wait_signal` step's signal name the input answered. */
  waitingFor: string;
  /** The payload as the run took it (`signal` filled with the wait's name). */
  signal: PipelineSignalPayload;
}

/** The run's coarse state (status, place, outputs, usage, logged events): costs no history, needs a worker. */
export const pipelineStateQuery = definition<QueryDefinition<PipelineState, [], typeof PIPELINE_STATE_QUERY>>('query', PIPELINE_STATE_QUERY);

/**
 * Approve / reject / input for the `wait_signal` step the run is waiting at. The validator refuses — before
 * anything is written to history — a payload that is not valid (`InvalidSignalPayload`), a run that is not
 * waiting for that input (`NotWaitingForSignal`) and a run that has finished (`InstanceFinished`), so the
 * caller learns at once whether its input was taken.
 */
export const pipelineInputUpdate = definition<UpdateDefinition<PipelineInputAccepted, [PipelineSignalPayload], typeof PIPELINE_INPUT_UPDATE>>('update', PIPELINE_INPUT_UPDATE);

/**
 * The same payload as a signal: queued without an answer (a signal sent before the wait is kept for it).
 * Kept for clients that cannot send updates (the Temporal CLI/UI); the REST API uses the update.
 */
export const pipelineSignal = definition<SignalDefinition<[PipelineSignalPayload], typeof PIPELINE_SIGNAL>>('signal', PIPELINE_SIGNAL);

/** What the SDK's define* functions return: the type brands exist only for the compiler. */
function definition<D extends { type: string; name: string }>(type: D['type'], name: D['name']): D {
  return { type, name } as D;
}

/** `ApplicationFailure.type`s of a refused `pipelineInput` update (the API maps them to 400 / 409). */
export const INPUT_REFUSAL = {
  invalid: 'InvalidSignalPayload',
  notWaiting: 'NotWaitingForSignal',
  finished: 'InstanceFinished',
} as const;
export type InputRefusalType = (typeof INPUT_REFUSAL)[keyof typeof INPUT_REFUSAL];

export type PayloadCheck = { ok: true; payload: PipelineSignalPayload } | { ok: false; param: string | null; message: string };

const TYPES: ReadonlyArray<PipelineSignalPayload['type']> = ['approve', 'reject', 'input'];
const KEYS = new Set(['type', 'signal', 'data', 'comment']);
export const MAX_COMMENT_CHARS = 10_000;

/** Validates a signal/update payload (the API before calling Temporal, the update's validator in the run). */
export function checkSignalPayload(value: unknown): PayloadCheck {
  const bad = (param: string | null, message: string): PayloadCheck => ({ ok: false, param, message: `Invalid signal: ${param ? `'${param}' ` : ''}${message}` });
  if (!isObject(value)) return bad(null, 'must be a JSON object {type, signal?, data?, comment?}');
  const extra = Object.keys(value).find((k) => !KEYS.has(k));
  if (extra !== undefined) return bad(extra, 'is not a known field (type, signal, data, comment)');
  const { type, signal, data, comment } = value;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) return bad('type', `must be one of ${TYPES.join(', ')}`);
  if (signal !== undefined && (typeof signal !== 'string' || signal === '')) return bad('signal', 'must be a non-empty string');
  if (data !== undefined && (!isObject(data) || !isJson(data))) return bad('data', 'must be a JSON object');
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT_CHARS)) return bad('comment', `must be a string of at most ${MAX_COMMENT_CHARS} characters`);
  const payload: PipelineSignalPayload = { type: type as PipelineSignalPayload['type'] };
  if (signal !== undefined) payload.signal = signal;
  if (data !== undefined) payload.data = data as JsonObject;
  if (comment !== undefined) payload.comment = comment;
  return { ok: true, payload };
}

/** Whether a payload addresses the wait `signal` (no name and `*` address whatever the run waits for). */
export function addressesWait(payload: Pick<PipelineSignalPayload, 'signal'>, signal: string): boolean {
  return payload.signal === undefined || payload.signal === '*' || payload.signal === signal;
}

/**
 * Why the run cannot take this input now, or undefined when it can: finished, not waiting, waiting for another
 * signal, or this wait already answered (by an earlier update or signal not yet consumed).
 */
export function inputRefusal(state: Pick<PipelineState, 'status' | 'waitingFor'>, payload: PipelineSignalPayload, alreadyAnswered: boolean): { type: InputRefusalType; message: string } | undefined {
  if (state.status === 'completed' || state.status === 'failed' || state.status === 'cancelled') {
    return { type: INPUT_REFUSAL.finished, message: `the run is already ${state.status}` };
  }
  const waiting = state.status === 'waiting' ? state.waitingFor : undefined;
  if (!waiting) return { type: INPUT_REFUSAL.notWaiting, message: 'the run is not waiting for a signal' };
  if (!addressesWait(payload, waiting.signal)) {
    return { type: INPUT_REFUSAL.notWaiting, message: `the run is waiting for '${waiting.signal}', not '${payload.signal ?? ''}'` };
  }
  if (alreadyAnswered) return { type: INPUT_REFUSAL.notWaiting, message: `the wait for '${waiting.signal}' has already been answered` };
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJson(v: unknown, depth = 0): v is JsonValue {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (isObject(v)) return Object.values(v).every((x) => isJson(x, depth + 1));
  return false;
}
