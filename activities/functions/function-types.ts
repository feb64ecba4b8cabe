/**
 * The pipeline function contract: built-ins and user functions (modules in CB_FUNCTIONS_DIR) alike export
 * `{ name, run(input, ctx) }`. `input` is the step's `with` object, its strings rendered against the pipeline
 * data (except `rawKeys`). Throw `ApplicationFailure.nonRetryable(...)` (from @temporalio/common) for errors a
 * retry cannot fix; any other error is retried by the step's retry policy.
 */
import type { JsonObject, JsonValue } from '../../pipelines/definition/types';

export interface HttpFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

export interface FunctionContext {
  instanceId: string;
  /** The transition (step) id. */
  step: string;
  /** The pipeline data at the time of the call. */
  data: { input: JsonObject; outputs: JsonObject };
  /** Aborted when the step is cancelled (or times out): pass it to I/O. */
  signal: AbortSignal;
  /** Tell Temporal the step is alive (throttled), optionally with progress 0..1. */
  heartbeat(progress?: number): void;
  /** fetch restricted to the allowlisted hosts (the http_request rules), redirects checked hop by hop. */
  fetch(url: string, options?: HttpFetchOptions): Promise<Response>;
}

export interface PipelineFunction {
  name: string;
  description?: string;
  /** Keys of `with` whose strings are passed as written (not rendered as templates), e.g. a JSONata expression. */
  rawKeys?: readonly string[];
  run(input: JsonObject, ctx: FunctionContext): Promise<JsonValue> | JsonValue;
}

export interface FunctionsConfig {
  /** Hosts http_request (and URL inputs of extract_text) may call: `api.example.com`, `*.example.com`, `host:port`. */
  httpAllowlist: string[];
  /** Default request timeout; default 30 s. */
  httpTimeoutMs?: number;
  /** Largest response body read; default 10 MB. */
  httpMaxBytes?: number;
}

/** `CB_HTTP_ALLOWLIST` (comma list; default none → every http_request is refused). */
export function functionsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FunctionsConfig {
  const httpAllowlist = (env.CB_HTTP_ALLOWLIST ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return { httpAllowlist };
}
