import type http from 'node:http';
import { z } from 'zod';
import {
  lastUserText,
  sendJson,
  startFakeServer,
  writeChunks,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
} from '../../helpers/fake-server';

/**
 * A strict fake of Anthropic's Messages API (POST /v1/messages, anthropic-version 2023-06-01).
 *
 * Requests are validated as the real API does: x-api-key (401 authentication_error), anthropic-version,
 * unknown fields ("Extra inputs are not permitted"), required max_tokens, roles user/assistant only (a
 * `system` role gets Anthropic's own message), first message user, strict alternation, non-empty text
 * blocks, image media types, temperature ≤ 1, tool_use ↔ tool_result pairing, no trailing whitespace in a
 * final assistant turn. Errors use `{type:'error', error:{type, message}}` with Anthropic's statuses.
 *
 * FakeReply rendering:
 * - `usage.input` is the *total* prompt (cache included, the neutral meaning shared by all fakes):
 *   input_tokens = input − cacheRead − cacheWrite; `reasoning` → output_tokens_details.thinking_tokens.
 * - `error` → that HTTP status with an Anthropic error body; for a *streamed* request whose reply also has
 *   `text` or `toolCalls`, the stream starts (200) and the error arrives mid-stream as `event: error`.
 * - no reply → "Echo: <last user text>"; if tool_choice forces a tool, a tool_use of it instead.
 */

export interface AnthropicFakeOptions {
  /** Accepted keys; when absent any non-empty key is accepted. */
  apiKeys?: string[];
  port?: number;
}

export function startAnthropicFake(opts: AnthropicFakeOptions = {}): Promise<FakeServer> {
  let seq = 0;
  return startFakeServer((req, res, reply) => handle(req, res, reply, opts, () => ++seq), opts.port);
}

// ---------------------------------------------------------------- request schema (strict like the API)
const cacheControl = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).optional();
const textBlock = z.strictObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl, citations: z.unknown().optional() });
const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('base64'),
      media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
      data: z.string().min(1),
    }),
    z.strictObject({ type: z.literal('url'), url: z.url() }),
  ]),
  cache_control: cacheControl,
});
const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
    z.strictObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.strictObject({ type: z.literal('url'), url: z.url() }),
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.unknown().optional(),
  cache_control: cacheControl,
});
const toolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
const userMessage = z.strictObject({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, toolResultBlock]))]),
});
const assistantMessage = z.strictObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, toolUseBlock]))]),
});
const parallel = { disable_parallel_tool_use: z.boolean().optional() };
const requestSchema = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(z.discriminatedUnion('role', [userMessage, assistantMessage])),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  metadata: z.strictObject({ user_id: z.string().max(256).nullish() }).optional(),
  tools: z
    .array(
      z.strictObject({
        type: z.literal('custom').optional(),
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
        description: z.string().optional(),
        input_schema: z.looseObject({ type: z.literal('object') }),
        cache_control: cacheControl,
      }),
    )
    .optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('auto'), ...parallel }),
      z.strictObject({ type: z.literal('any'), ...parallel }),
      z.strictObject({ type: z.literal('tool'), name: z.string().min(1), ...parallel }),
      z.strictObject({ type: z.literal('none') }),
    ])
    .optional(),
  thinking: z.unknown().optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
});
type AnthropicRequest = z.infer<typeof requestSchema>;
type Message = AnthropicRequest['messages'][number];

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string): RequestError => new RequestError(400, 'invalid_request_error', message);

// ---------------------------------------------------------------- handler
async function handle(
  req: RecordedRequest,
  res: http.ServerResponse,
  reply: FakeReply | undefined,
  opts: AnthropicFakeOptions,
  nextId: () => number,
): Promise<void> {
  let body: AnthropicRequest;
  try {
    body = validate(req, opts);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    return sendError(res, err.status, err.type, err.message);
  }
  const stream = body.stream === true;
  const midStreamError = stream && reply?.error !== undefined && (reply.text !== undefined || reply.toolCalls !== undefined);
  if (reply?.error && !midStreamError) {
    const { status, message, headers } = reply.error;
    if (reply.error.body !== undefined) return sendJson(res, status, reply.error.body, { 'request-id': 'req_fake_error', ...headers });
    return sendError(res, status, errorTypeFor(status), message ?? `fake error ${status}`, headers);
  }
  const msg = planMessage(body, reply, nextId());
  if (!stream) {
    return sendJson(res, 200, msg, successHeaders());
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...successHeaders() });
  const chunks = streamEvents(msg);
  if (midStreamError && reply?.error) {
    // Cut after the first content delta, as an overloaded model does.
    const firstDelta = chunks.findIndex((c) => c.startsWith('event: content_block_delta'));
    chunks.splice(firstDelta >= 0 ? firstDelta + 1 : 1);
    const type = errorTypeFor(reply.error.status);
    chunks.push(sse('error', { type: 'error', error: { type, message: reply.error.message ?? type } }));
  }
  await writeChunks(res, chunks, reply);
}

function validate(req: RecordedRequest, opts: AnthropicFakeOptions): AnthropicRequest {
  const path = req.path.split('?')[0];
  if (req.method !== 'POST' || path !== '/v1/messages') throw new RequestError(404, 'not_found_error', 'Not Found');
  // The API takes `x-api-key`, and `Authorization: Bearer` as newer official SDKs send it.
  const auth = req.headers.authorization;
  const key = req.headers['x-api-key'] ?? (typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined);
  if (typeof key !== 'string' || key === '') throw new RequestError(401, 'authentication_error', 'x-api-key header is required');
  if (opts.apiKeys && !opts.apiKeys.includes(key)) throw new RequestError(401, 'authentication_error', 'invalid x-api-key');
  if (req.headers['anthropic-version'] === undefined) throw invalid('anthropic-version: header is required');
  // Required; dated versions from 2023-06-01 on are accepted (the official SDK sends a newer one than our adapter).
  const version = req.headers['anthropic-version'];
  if (typeof version !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(version) || version < '2023-06-01') throw invalid(`anthropic-version: unknown version '${String(version)}'`);
  if (typeof req.body !== 'object' || req.body === null) throw invalid('There was an issue with your request body: expected a JSON object');

  const raw = req.body as { messages?: unknown };
  if (Array.isArray(raw.messages)) {
    raw.messages.forEach((m: unknown) => {
      const role = (m as { role?: unknown } | null)?.role;
      if (role === 'system') {
        throw invalid('messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.');
      }
    });
  }
  const parsed = requestSchema.safeParse(req.body);
  if (!parsed.success) throw invalid(describeIssue(parsed.error.issues[0]));
  checkConversation(parsed.data);
  return parsed.data;
}

/** For unions, Anthropic reports the most specific failure: follow the branch whose issue goes deepest. */
function deepest(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): z.core.$ZodIssue {
  const full = { ...issue, path: [...prefix, ...issue.path] } as z.core.$ZodIssue;
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return full;
  let best = full;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const d = deepest(inner, full.path);
      if (d.path.length > best.path.length) best = d;
    }
  }
  return best;
}

function describeIssue(first: z.core.$ZodIssue | undefined): string {
  if (!first) return 'invalid request';
  const issue = deepest(first);
  const where = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return `${[where, issue.keys[0]].filter(Boolean).join('.')}: Extra inputs are not permitted`;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${where}: Field required`;
  if (issue.code === 'too_big') return `${where}: Input should be less than or equal to ${String(issue.maximum)}`;
  return `${where}: ${issue.message}`;
}

function blocksOf(m: Message): Array<{ type: string; text?: string; id?: string; tool_use_id?: string }> {
  return typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
}

function checkConversation(body: AnthropicRequest): void {
  const { messages } = body;
  if (Array.isArray(body.system)) {
    for (const b of body.system) if (b.text === '') throw invalid('system: text content blocks must be non-empty');
  }
  if (messages.length === 0) throw invalid('messages: at least one message is required');
  if (messages[0]?.role !== 'user') throw invalid('messages: first message must use the "user" role');
  messages.forEach((m, i) => {
    const prev = messages[i - 1];
    if (prev?.role === m.role) {
      throw invalid(`messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`);
    }
    const blocks = blocksOf(m);
    const isFinalAssistant = i === messages.length - 1 && m.role === 'assistant';
    if ((m.content.length === 0) && !isFinalAssistant) {
      throw invalid(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    for (const b of blocks) {
      if (b.type === 'text' && b.text === '' && !(isFinalAssistant && typeof m.content === 'string')) {
        throw invalid('messages: text content blocks must be non-empty');
      }
      if (b.type === 'text' && b.text !== undefined && b.text.trim() === '' && b.text !== '') {
        throw invalid('messages: text content blocks must contain non-whitespace text');
      }
    }
    const last = blocks[blocks.length - 1];
    if (isFinalAssistant && last?.type === 'text' && last.text !== undefined && /\s$/.test(last.text)) {
      throw invalid('messages: final assistant content cannot end with trailing whitespace');
    }
    // tool_result ids must answer tool_use blocks of the previous assistant turn …
    const prevUses = new Set(prev ? blocksOf(prev).flatMap((b) => (b.type === 'tool_use' && b.id ? [b.id] : [])) : []);
    blocks.forEach((b, j) => {
      if (b.type === 'tool_result' && !prevUses.has(b.tool_use_id ?? '')) {
        throw invalid(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    });
    // … and every tool_use needs its tool_result in the very next message.
    const uses = blocks.flatMap((b) => (b.type === 'tool_use' && b.id ? [b.id] : []));
    const next = messages[i + 1];
    if (uses.length > 0 && next) {
      const answered = new Set(blocksOf(next).flatMap((b) => (b.type === 'tool_result' && b.tool_use_id ? [b.tool_use_id] : [])));
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        throw invalid(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
  });
  const choice = body.tool_choice;
  if (choice?.type === 'tool' && !(body.tools ?? []).some((t) => t.name === choice.name)) {
    throw invalid(`tool_choice.name: Tool '${choice.name}' not found in provided tools`);
  }
}

// ---------------------------------------------------------------- rendering
interface PlannedMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<{ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }>;
  stop_reason: string;
  stop_sequence: null;
  usage: Record<string, unknown> & { input_tokens: number; output_tokens: number };
}

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' } as const;

function planMessage(body: AnthropicRequest, reply: FakeReply | undefined, n: number): PlannedMessage {
  const content: PlannedMessage['content'] = [];
  const forced = body.tool_choice?.type === 'tool' ? body.tool_choice.name : undefined;
  const echo = `Echo: ${lastUserText(body.messages)}`;
  const scripted = reply?.text !== undefined || reply?.toolCalls !== undefined;
  if (scripted) {
    if (reply?.text) content.push({ type: 'text', text: reply.text });
  } else if (forced === undefined) content.push({ type: 'text', text: echo });
  const calls = scripted ? (reply?.toolCalls ?? []) : forced !== undefined ? [{ name: forced, arguments: { echo } }] : [];
  calls.forEach((c, i) => {
    const id = 'id' in c && typeof c.id === 'string' ? c.id : `toolu_01Fake${String(n).padStart(6, '0')}${String(i).padStart(4, '0')}`;
    content.push({ type: 'tool_use', id, name: c.name, input: c.arguments });
  });
  const stopReason =
    reply?.rawFinish ?? (reply?.finish ? STOP_REASON[reply.finish] : calls.length > 0 ? 'tool_use' : 'end_turn');
  const u = reply?.usage;
  const cacheRead = u?.cacheRead ?? 0;
  const cacheWrite = u?.cacheWrite ?? 0;
  const total = u?.input ?? Math.ceil(JSON.stringify(body.messages).length / 4) + Math.ceil((typeof body.system === 'string' ? body.system.length : 0) / 4);
  const output = u?.output ?? Math.max(1, Math.ceil(JSON.stringify(content).length / 4));
  return {
    id: `msg_01Fake${String(n).padStart(16, '0')}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: Math.max(0, total - cacheRead - cacheWrite),
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
      output_tokens: output,
      ...(u?.reasoning !== undefined ? { output_tokens_details: { thinking_tokens: u.reasoning } } : {}),
      service_tier: 'standard',
    },
  };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into a few word-ish pieces, like real token deltas. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function streamEvents(msg: PlannedMessage): string[] {
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = msg.usage;
  const inputUsage = { input_tokens, cache_creation_input_tokens, cache_read_input_tokens };
  const out = [
    sse('message_start', {
      type: 'message_start',
      message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputUsage, output_tokens: 1, service_tier: 'standard' } },
    }),
  ];
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      out.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      if (index === 0) out.push(sse('ping', { type: 'ping' }));
      for (const text of pieces(block.text, 6)) {
        out.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
      }
    } else {
      out.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } }));
      if (index === 0) out.push(sse('ping', { type: 'ping' }));
      const args = Object.keys(block.input).length > 0 ? pieces(JSON.stringify(block.input), 8) : [];
      for (const partial_json of ['', ...args]) {
        out.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }));
      }
    }
    out.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  out.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: msg.stop_reason, stop_sequence: null },
      usage: { ...inputUsage, output_tokens },
    }),
    sse('message_stop', { type: 'message_stop' }),
  );
  return out;
}

// ---------------------------------------------------------------- errors
function errorTypeFor(status: number): string {
  const byStatus: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  return byStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  const requestId = 'req_011FakeErr';
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId }, { 'request-id': requestId, ...headers });
}

function successHeaders(): Record<string, string> {
  return {
    'request-id': 'req_011FakeOk',
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-tokens-remaining': '399000',
  };
}
