import type http from 'node:http';
import { z } from 'zod';
import {
  type FakeReply,
  type FakeServer,
  lastUserText,
  type RecordedRequest,
  sendJson,
  startFakeServer,
  writeChunks,
} from '../../helpers/fake-server';

/**
 * A strict fake of OpenAI's Chat Completions and Embeddings APIs. Also serves Azure OpenAI's URL schemes
 * (`/openai/deployments/{d}/chat/completions?api-version=…` with `api-key`, and `/openai/v1/…`), so Azure and
 * custom OpenAI-compatible endpoints are tested against the same wire format. Like the real API it answers
 * 400 "Unrecognized request argument supplied" to a top-level field it does not know (Azure also knows its
 * On Your Data fields; `openrouter: true` also accepts OpenRouter's extras, as OpenRouter does).
 */
export interface OpenAIFakeOptions {
  apiKeys?: string[];
  /** Azure mode: auth via `api-key` header and Azure paths. */
  azure?: boolean;
  /** OpenRouter dialect: OpenRouter's extra request fields are accepted. */
  openrouter?: boolean;
  port?: number;
}

/** Chat Completions request fields as OpenAI's API reference lists them (written out here, not imported: the fake is the oracle). */
const OPENAI_FIELDS = `model messages audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens
  max_tokens metadata modalities n parallel_tool_calls prediction presence_penalty prompt_cache_key prompt_cache_retention
  reasoning_effort response_format safety_identifier seed service_tier stop store stream stream_options temperature
  tool_choice tools top_logprobs top_p user verbosity web_search_options`.split(/\s+/);
const AZURE_FIELDS = ['data_sources', 'user_security_context'];
const OPENROUTER_FIELDS = ['top_k', 'repetition_penalty', 'min_p', 'top_a', 'usage', 'plugins', 'transforms', 'reasoning', 'include_reasoning', 'models', 'route', 'provider'];

const TRUNCATED = new WeakMap<FakeReply, number>();
/**
 * Marks a reply whose stream closes cleanly (status 200, no reset) without its end: no finish_reason chunk,
 * no usage chunk, no [DONE]. `chunks` keeps only that many of the content chunks (0: headers, then nothing).
 */
export function truncatedStream(reply: FakeReply = {}, chunks = Number.POSITIVE_INFINITY): FakeReply {
  TRUNCATED.set(reply, chunks);
  return reply;
}

const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]) }).loose(),
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]) }).loose(),
  z.object({ role: z.literal('assistant'), content: z.union([z.string(), z.array(z.unknown())]).nullish(), tool_calls: z.array(z.object({ id: z.string(), type: z.literal('function'), function: z.object({ name: z.string(), arguments: z.string() }) })).optional() }).loose(),
  z.object({ role: z.literal('tool'), content: z.union([z.string(), z.array(z.unknown())]), tool_call_id: z.string() }).loose(),
]);
const chatSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(messageSchema).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
    temperature: z.number().min(0).max(2).optional(),
  })
  .loose();

let seq = 0;

export function startOpenAIFake(opts: OpenAIFakeOptions = {}): Promise<FakeServer> {
  const keys = opts.apiKeys ?? ['sk-test'];
  const known = new Set([...OPENAI_FIELDS, ...(opts.azure ? AZURE_FIELDS : []), ...(opts.openrouter ? OPENROUTER_FIELDS : [])]);
  return startFakeServer((req, res, reply) => {
    const route = routeOf(req, opts.azure === true);
    if (!route) return sendError(res, 404, 'Unknown request URL', 'invalid_request_error', 'unknown_url');
    const key = opts.azure ? req.headers['api-key'] : bearer(req.headers.authorization);
    if (typeof key !== 'string' || !keys.includes(key)) {
      return sendError(res, 401, `Incorrect API key provided: ${mask(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
    }
    if (reply?.error) return replyError(res, reply.error);
    if (route.kind === 'embeddings') return embeddings(req, res);
    const unknown = typeof req.body === 'object' && req.body !== null ? Object.keys(req.body).find((k) => !known.has(k)) : undefined;
    if (unknown !== undefined) return sendError(res, 400, `Unrecognized request argument supplied: ${unknown}`, 'invalid_request_error', null);
    const parsed = chatSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(res, 400, `Invalid request: ${issue?.path.join('.')}: ${issue?.message}`, 'invalid_request_error', 'invalid_value', issue?.path.join('.') ?? null);
    }
    const model = route.deployment ?? parsed.data.model;
    const r: FakeReply = reply ?? { text: `Echo: ${lastUserText(parsed.data.messages)}` };
    if (parsed.data.stream) return stream(res, r, model, parsed.data.stream_options?.include_usage === true, TRUNCATED.get(r));
    return sendJson(res, 200, completion(r, model), { 'x-request-id': `req_fake_${++seq}` });
  }, opts.port);
}

function routeOf(req: RecordedRequest, azure: boolean): { kind: 'chat' | 'embeddings'; deployment?: string } | undefined {
  const url = new URL(req.path, 'http://x');
  if (req.method !== 'POST') return undefined;
  if (!azure) {
    if (url.pathname === '/v1/chat/completions') return { kind: 'chat' };
    if (url.pathname === '/v1/embeddings') return { kind: 'embeddings' };
    return undefined;
  }
  const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(url.pathname);
  if (m && url.searchParams.get('api-version')) return { kind: m[2] === 'embeddings' ? 'embeddings' : 'chat', deployment: decodeURIComponent(m[1] ?? '') };
  if (url.pathname === '/openai/v1/chat/completions') return { kind: 'chat' };
  if (url.pathname === '/openai/v1/embeddings') return { kind: 'embeddings' };
  return undefined;
}

function usageOf(r: FakeReply): Record<string, unknown> {
  const u = r.usage ?? { input: 12, output: 7 };
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function finishOf(r: FakeReply): string {
  return r.rawFinish ?? r.finish ?? (r.toolCalls?.length ? 'tool_calls' : 'stop');
}

function toolCallsOf(r: FakeReply): Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> {
  return (r.toolCalls ?? []).map((t, i) => ({ id: t.id ?? `call_fake${i}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.arguments) } }));
}

function completion(r: FakeReply, model: string): Record<string, unknown> {
  const calls = toolCallsOf(r);
  return {
    id: `chatcmpl-fake${++seq}`,
    object: 'chat.completion',
    created: 1_735_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: r.text ?? null, refusal: null, annotations: [], ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: finishOf(r),
      },
    ],
    usage: usageOf(r),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

async function stream(res: http.ServerResponse, r: FakeReply, model: string, includeUsage: boolean, truncateAfter: number | undefined): Promise<void> {
  const id = `chatcmpl-fake${++seq}`;
  const base = { id, object: 'chat.completion.chunk', created: 1_735_000_000, model, service_tier: 'default', system_fingerprint: 'fp_fake' };
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    `data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null): string => frame([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
  const chunks: string[] = [delta({ role: 'assistant', content: '', refusal: null })];
  for (const word of (r.text ?? '').split(/(?<= )/).filter((w) => w !== '')) chunks.push(delta({ content: word }));
  for (const [i, c] of toolCallsOf(r).entries()) {
    chunks.push(delta({ tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
    const a = c.function.arguments;
    const mid = Math.ceil(a.length / 2);
    for (const piece of [a.slice(0, mid), a.slice(mid)]) if (piece) chunks.push(delta({ tool_calls: [{ index: i, function: { arguments: piece } }] }));
  }
  if (truncateAfter !== undefined) chunks.splice(truncateAfter);
  else {
    chunks.push(delta({}, finishOf(r)));
    if (includeUsage) chunks.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(r) })}\n\n`);
    chunks.push('data: [DONE]\n\n');
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': `req_fake_${seq}` });
  await writeChunks(res, chunks, r);
}

function embeddings(req: RecordedRequest, res: http.ServerResponse): void {
  const body = req.body as { model?: unknown; input?: unknown; dimensions?: unknown };
  if (typeof body?.model !== 'string' || body.input === undefined) return sendError(res, 400, "'model' and 'input' are required", 'invalid_request_error', 'missing_required_parameter');
  const inputs = Array.isArray(body.input) && typeof body.input[0] !== 'number' ? (body.input as unknown[]) : [body.input];
  const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((inp, index) => ({ object: 'embedding', index, embedding: Array.from({ length: dims }, (_, k) => ((String(inp).length + k) % 10) / 10) })),
    model: body.model,
    usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 },
  });
}

function replyError(res: http.ServerResponse, e: NonNullable<FakeReply['error']>): void {
  const type = e.status === 429 ? 'rate_limit_exceeded' : e.status >= 500 ? 'server_error' : 'invalid_request_error';
  sendJson(res, e.status, e.body ?? { error: { message: e.message ?? `fake error ${e.status}`, type, param: null, code: e.status === 429 ? 'rate_limit_exceeded' : null } }, e.headers);
}

function sendError(res: http.ServerResponse, status: number, message: string, type: string, code: string | null, param: string | null = null): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

function bearer(h: string | undefined): string | undefined {
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

function mask(key: unknown): string {
  return typeof key === 'string' && key.length > 6 ? `${key.slice(0, 3)}***${key.slice(-2)}` : '***';
}
