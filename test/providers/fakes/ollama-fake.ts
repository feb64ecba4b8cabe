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
 * A strict fake of Ollama's native API: `POST /api/chat` (NDJSON stream unless `stream:false`), `GET
 * /api/tags`, `POST /api/embed`. Errors are `{"error":"…"}` with Ollama's statuses; unknown models → 404.
 *
 * Scripting: a queued FakeReply renders as Ollama would send it. `error` with `status: 200` on a streaming
 * call is a mid-stream error: the text lines are sent, then an `{"error":…}` line (as Ollama does when the
 * runner fails while generating).
 */

export const DEFAULT_OLLAMA_FAKE_MODELS = ['llama3.2:latest', 'qwen2.5:7b', 'nomic-embed-text:latest'];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const toolCallSchema = z.object({
  function: z.object({
    index: z.number().int().optional(),
    name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()),
  }),
});

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  images: z.array(z.string().regex(BASE64, 'illegal base64 data')).optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_name: z.string().optional(),
  thinking: z.string().optional(),
});

const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
  }),
});

const optionsSchema = z.looseObject({
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  repeat_penalty: z.number().optional(),
  seed: z.number().int().optional(),
  num_predict: z.number().int().optional(),
  num_ctx: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
});

const chatRequestSchema = z.object({
  model: z.string().min(1, 'model is required'),
  messages: z.array(messageSchema),
  stream: z.boolean().optional(),
  tools: z.array(toolSchema).optional(),
  format: z.union([z.literal(''), z.literal('json'), z.record(z.string(), z.unknown())]).optional(),
  options: optionsSchema.optional(),
  keep_alive: z.union([z.string(), z.number()]).optional(),
  think: z.union([z.boolean(), z.string()]).optional(),
});

const embedRequestSchema = z.object({
  model: z.string().min(1, 'model is required'),
  input: z.union([z.string(), z.array(z.string())]),
  truncate: z.boolean().optional(),
  dimensions: z.number().int().positive().optional(),
  keep_alive: z.union([z.string(), z.number()]).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const CREATED_AT = '2025-03-14T09:26:53.589793238Z';
const MODIFIED_AT = '2025-02-01T12:00:00.123456789Z';

export async function startOllamaFake(opts: { models?: string[]; port?: number } = {}): Promise<FakeServer> {
  const models = opts.models ?? DEFAULT_OLLAMA_FAKE_MODELS;
  const resolve = (name: string): string | undefined =>
    models.find((m) => m === name || m === `${name}:latest`);
  return startFakeServer((req, res, reply) => handle(req, res, reply, models, resolve), opts.port ?? 0);
}

function handle(
  req: RecordedRequest,
  res: http.ServerResponse,
  reply: FakeReply | undefined,
  models: string[],
  resolve: (name: string) => string | undefined,
): Promise<void> | void {
  const path = req.path.split('?')[0];
  if (req.method === 'GET' && path === '/api/tags') return sendJson(res, 200, tags(models));
  if (req.method === 'POST' && path === '/api/chat') return chat(req, res, reply, resolve);
  if (req.method === 'POST' && path === '/api/embed') return embed(req, res, reply, resolve);
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('404 page not found');
}

function ollamaError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}

function scriptedError(res: http.ServerResponse, reply: FakeReply | undefined): boolean {
  const err = reply?.error;
  if (err === undefined || err.status === 200) return false;
  if (err.body !== undefined) sendJson(res, err.status, err.body, err.headers);
  else ollamaError(res, err.status, err.message ?? 'internal server error', err.headers);
  return true;
}

function invalid(res: http.ServerResponse, error: z.ZodError): void {
  const issue = error.issues[0];
  ollamaError(res, 400, issue === undefined ? 'invalid request' : `${issue.path.join('.')}: ${issue.message}`);
}

async function chat(
  req: RecordedRequest,
  res: http.ServerResponse,
  reply: FakeReply | undefined,
  resolve: (name: string) => string | undefined,
): Promise<void> {
  if (typeof req.body !== 'object' || req.body === null) return ollamaError(res, 400, 'invalid character in request body');
  const parsed = chatRequestSchema.safeParse(req.body);
  if (!parsed.success) return invalid(res, parsed.error);
  const body = parsed.data;
  const model = resolve(body.model);
  if (model === undefined) return ollamaError(res, 404, `model "${body.model}" not found, try pulling it first`);
  if (scriptedError(res, reply)) return;

  const text = reply?.text ?? (reply?.toolCalls ? '' : `Echo: ${lastUserText(body.messages)}`);
  const toolCalls = (reply?.toolCalls ?? []).map((c, index) => ({ function: { index, name: c.name, arguments: c.arguments } }));
  const doneReason = reply?.rawFinish ?? (reply?.finish === 'length' ? 'length' : 'stop');
  const metrics = {
    total_duration: 812_345_678,
    load_duration: 21_456_789,
    prompt_eval_count: reply?.usage?.input ?? 12,
    prompt_eval_duration: 45_678_901,
    eval_count: reply?.usage?.output ?? Math.max(1, text.split(/\s+/).filter(Boolean).length + toolCalls.length * 10),
    eval_duration: 701_234_567,
  };

  if (body.stream === false) {
    const message = { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
    return sendJson(res, 200, { model, created_at: CREATED_AT, message, done_reason: doneReason, done: true, ...metrics });
  }

  const line = (o: unknown): string => `${JSON.stringify(o)}\n`;
  const chunk = (message: Record<string, unknown>): string =>
    line({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '', ...message }, done: false });
  const lines = (text.match(/\S+\s*|\s+/g) ?? []).map((piece) => chunk({ content: piece }));
  for (const call of toolCalls) lines.push(chunk({ tool_calls: [call] }));
  if (reply?.error?.status === 200) {
    lines.push(line({ error: reply.error.message ?? 'an error was encountered while running the model: unexpected EOF' }));
  } else {
    lines.push(line({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true, ...metrics }));
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson', ...(reply?.error?.headers ?? {}) });
  await writeChunks(res, lines, reply);
}

function embed(
  req: RecordedRequest,
  res: http.ServerResponse,
  reply: FakeReply | undefined,
  resolve: (name: string) => string | undefined,
): void {
  const parsed = embedRequestSchema.safeParse(req.body);
  if (!parsed.success) return invalid(res, parsed.error);
  const model = resolve(parsed.data.model);
  if (model === undefined) return ollamaError(res, 404, `model "${parsed.data.model}" not found, try pulling it first`);
  if (scriptedError(res, reply)) return;
  const inputs = typeof parsed.data.input === 'string' ? [parsed.data.input] : parsed.data.input;
  const dims = parsed.data.dimensions ?? 4;
  const embeddings = inputs.map((s) => vectorOf(s, dims));
  const tokens = inputs.reduce((n, s) => n + Math.max(1, s.split(/\s+/).filter(Boolean).length), 0);
  sendJson(res, 200, { model, embeddings, total_duration: 14_143_917, load_duration: 1_019_500, prompt_eval_count: reply?.usage?.input ?? tokens });
}

/** A deterministic unit vector derived from the text. */
function vectorOf(text: string, dims: number): number[] {
  const raw = Array.from({ length: dims }, (_, i) => {
    let h = 7 + i;
    for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 1000;
    return h / 1000 - 0.5;
  });
  const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) || 1;
  return raw.map((v) => v / norm);
}

function tags(models: string[]): unknown {
  return {
    models: models.map((name, i) => ({
      name,
      model: name,
      modified_at: MODIFIED_AT,
      size: 2_019_393_189 + i,
      digest: `a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b7${i % 10}`,
      details: {
        parent_model: '',
        format: 'gguf',
        family: name.startsWith('nomic') ? 'nomic-bert' : 'llama',
        families: [name.startsWith('nomic') ? 'nomic-bert' : 'llama'],
        parameter_size: '3.2B',
        quantization_level: 'Q4_K_M',
      },
    })),
  };
}
