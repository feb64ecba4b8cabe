import type http from 'node:http';
import { createHash } from 'node:crypto';
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
 * A strict fake of the Gemini API (Generative Language v1beta): `:generateContent`,
 * `:streamGenerateContent` (SSE with `\r\n\r\n` separators when `alt=sse`, a JSON array otherwise) and
 * `:batchEmbedContents`. Like Google it rejects unknown fields anywhere (generationConfig included),
 * roles other than user/model, empty text parts, functionResponse without a name, Schema keys Gemini does
 * not know (additionalProperties, $schema, …), OBJECT parameters with empty properties, and a function
 * response turn whose part count differs from the preceding function call turn. Auth: `x-goog-api-key`
 * header or `?key=`; missing → 403 PERMISSION_DENIED, unknown → 400 INVALID_ARGUMENT / API_KEY_INVALID.
 * With n > 1, candidate i > 0 answers the same text suffixed with ` [i]`.
 */

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const SCHEMA_TYPES = ['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'];
type GSchema = { [k: string]: unknown };
const geminiSchema: z.ZodType<GSchema> = z.lazy(() =>
  z.strictObject({
    type: z.string().refine((t) => SCHEMA_TYPES.includes(t.toUpperCase()), 'invalid type').optional(),
    format: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    nullable: z.boolean().optional(),
    enum: z.array(z.string()).optional(),
    maxItems: z.union([z.number(), z.string()]).optional(),
    minItems: z.union([z.number(), z.string()]).optional(),
    properties: z.record(z.string(), geminiSchema).optional(),
    required: z.array(z.string()).optional(),
    minProperties: z.union([z.number(), z.string()]).optional(),
    maxProperties: z.union([z.number(), z.string()]).optional(),
    minLength: z.union([z.number(), z.string()]).optional(),
    maxLength: z.union([z.number(), z.string()]).optional(),
    pattern: z.string().optional(),
    example: z.unknown().optional(),
    anyOf: z.array(geminiSchema).optional(),
    propertyOrdering: z.array(z.string()).optional(),
    default: z.unknown().optional(),
    items: geminiSchema.optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  }),
);

const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'] as const;
const partSchema = z
  .strictObject({
    text: z.string().optional(),
    inlineData: z.strictObject({ mimeType: z.string().min(1), data: z.string().min(1) }).optional(),
    fileData: z.strictObject({ mimeType: z.string().optional(), fileUri: z.string().min(1) }).optional(),
    functionCall: z
      .strictObject({ id: z.string().optional(), name: z.string().min(1), args: z.record(z.string(), z.unknown()).optional() })
      .optional(),
    functionResponse: z
      .strictObject({ id: z.string().optional(), name: z.string().min(1), response: z.record(z.string(), z.unknown()) })
      .optional(),
    thought: z.boolean().optional(),
    thoughtSignature: z.string().optional(),
  })
  .refine((p) => DATA_FIELDS.filter((k) => p[k] !== undefined).length === 1, "required oneof field 'data' must have one initialized field")
  .refine((p) => p.text !== '', 'Unable to submit request because it has an empty text parameter.');

const contentSchema = z.strictObject({
  role: z.enum(['user', 'model'], { error: 'Please use a valid role: user, model.' }).optional(),
  parts: z.array(partSchema).min(1, 'contents.parts must not be empty'),
});

const generationConfigSchema = z
  .strictObject({
    stopSequences: z.array(z.string()).max(5).optional(),
    responseMimeType: z.enum(['text/plain', 'application/json', 'text/x.enum']).optional(),
    responseSchema: geminiSchema.optional(),
    responseJsonSchema: z.unknown().optional(),
    responseModalities: z.array(z.string()).optional(),
    candidateCount: z.number().int().min(1).max(8).optional(),
    maxOutputTokens: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().optional(),
    seed: z.number().int().optional(),
    presencePenalty: z.number().optional(),
    frequencyPenalty: z.number().optional(),
    responseLogprobs: z.boolean().optional(),
    logprobs: z.number().int().optional(),
    enableEnhancedCivicAnswers: z.boolean().optional(),
    thinkingConfig: z
      .strictObject({ includeThoughts: z.boolean().optional(), thinkingBudget: z.number().int().optional(), thinkingLevel: z.string().optional() })
      .optional(),
    mediaResolution: z.string().optional(),
  })
  .refine((g) => g.responseSchema === undefined || g.responseMimeType === 'application/json', {
    message: 'responseSchema requires responseMimeType application/json',
    path: ['responseSchema'],
  });

const functionDeclarationSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/),
  description: z.string().optional(),
  parameters: geminiSchema
    .refine((s) => String(s.type ?? '').toUpperCase() !== 'OBJECT' || (s.properties !== undefined && Object.keys(s.properties as object).length > 0), 'properties: should be non-empty for OBJECT type')
    .optional(),
  parametersJsonSchema: z.unknown().optional(),
  response: geminiSchema.optional(),
  behavior: z.string().optional(),
});

export const googleGenerateRequestSchema = z
  .strictObject({
    contents: z.array(contentSchema).min(1, 'contents is not specified'),
    systemInstruction: z.strictObject({ role: z.string().optional(), parts: z.array(partSchema).min(1) }).optional(),
    generationConfig: generationConfigSchema.optional(),
    tools: z
      .array(
        z.strictObject({
          functionDeclarations: z.array(functionDeclarationSchema).optional(),
          googleSearch: z.strictObject({}).optional(),
          codeExecution: z.strictObject({}).optional(),
          urlContext: z.strictObject({}).optional(),
        }),
      )
      .optional(),
    toolConfig: z
      .strictObject({
        functionCallingConfig: z
          .strictObject({
            mode: z.enum(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']).optional(),
            allowedFunctionNames: z.array(z.string()).optional(),
          })
          .refine((c) => c.allowedFunctionNames === undefined || c.mode === 'ANY' || c.mode === 'VALIDATED', 'allowedFunctionNames requires mode ANY')
          .optional(),
      })
      .optional(),
    safetySettings: z.array(z.strictObject({ category: z.string(), threshold: z.string() })).optional(),
    cachedContent: z.string().optional(),
  })
  .superRefine((req, ctx) => {
    req.contents.forEach((c, i) => {
      const calls = c.parts.filter((p) => p.functionCall).length;
      if (calls === 0) return;
      if (i === 0 || req.contents[i - 1]?.role !== 'user') {
        ctx.addIssue({ code: 'custom', path: ['contents', i], message: 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.' });
      }
      const next = req.contents[i + 1];
      if (next === undefined) return;
      const responses = next.parts.filter((p) => p.functionResponse).length;
      if (responses !== calls) {
        ctx.addIssue({ code: 'custom', path: ['contents', i + 1], message: 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.' });
      }
    });
  });
export type GoogleGenerateRequest = z.infer<typeof googleGenerateRequestSchema>;

const batchEmbedSchema = z.strictObject({
  requests: z
    .array(
      z.strictObject({
        model: z.string(),
        content: z.strictObject({ role: z.string().optional(), parts: z.array(z.strictObject({ text: z.string() })).min(1) }),
        taskType: z.string().optional(),
        title: z.string().optional(),
        outputDimensionality: z.number().int().min(1).optional(),
      }),
    )
    .min(1)
    .max(100, 'at most 100 requests can be in one batch'),
});

export function googleErrorBody(status: number, message: string, details?: unknown[]): unknown {
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details ? { details } : {}) } };
}

function zodMessage(err: z.ZodError, root: string): string {
  return err.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      if (i.code === 'unrecognized_keys') {
        return i.keys.map((k) => `Invalid JSON payload received. Unknown name "${k}" at '${path.replace(/^\./, '')}': Cannot find field.`).join('\n');
      }
      return `* ${root}${path}: ${i.message}`;
    })
    .join('\n');
}

export async function startGoogleFake(opts: { apiKeys?: string[]; port?: number } = {}): Promise<FakeServer> {
  return startFakeServer(async (req, res, reply) => {
    const url = new URL(req.path, 'http://fake');
    const route = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(url.pathname);
    if (req.method !== 'POST' || !route) {
      return sendJson(res, 404, googleErrorBody(404, `Method not found: ${req.method} ${url.pathname}`));
    }
    const key = headerValue(req, 'x-goog-api-key') ?? url.searchParams.get('key') ?? undefined;
    if (!key) {
      return sendJson(res, 403, googleErrorBody(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
    }
    if (opts.apiKeys && !opts.apiKeys.includes(key)) {
      return sendJson(res, 400, googleErrorBody(400, 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      ]));
    }
    if (reply?.error) {
      const e = reply.error;
      return sendJson(res, e.status, e.body ?? googleErrorBody(e.status, e.message ?? 'error'), e.headers ?? {});
    }
    const model = decodeURIComponent(route[1] ?? '');
    if (route[2] === 'batchEmbedContents') return embed(res, model, req.body);

    const parsed = googleGenerateRequestSchema.safeParse(req.body);
    if (!parsed.success) return sendJson(res, 400, googleErrorBody(400, zodMessage(parsed.error, 'GenerateContentRequest')));
    const body = parsed.data;
    const responses = render(body, model, reply);
    if (route[2] === 'generateContent') return sendJson(res, 200, mergeEvents(responses));
    if (url.searchParams.get('alt') === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return writeChunks(res, responses.map((r) => `data: ${JSON.stringify(r)}\r\n\r\n`), reply);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    return writeChunks(res, responses.map((r, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(r)}${i === responses.length - 1 ? ']' : ''}`), reply);
  }, opts.port);
}

function headerValue(req: RecordedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const FINISH: Record<string, string> = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP', content_filter: 'SAFETY' };
type Event = Record<string, unknown>;

/** The reply as streamed events (text in small pieces, tool calls in one event, then the finish event). */
function render(body: GoogleGenerateRequest, model: string, reply: FakeReply | undefined): Event[] {
  const text = reply?.text ?? (reply?.toolCalls ? undefined : `Echo: ${lastUserText(body.contents)}`);
  const promptChars = JSON.stringify(body.contents).length + JSON.stringify(body.systemInstruction ?? '').length;
  const u = reply?.usage ?? { input: Math.max(1, Math.ceil(promptChars / 4)), output: Math.max(1, (text ?? '').split(/\s+/).length + (reply?.toolCalls?.length ?? 0) * 5) };
  const usageMetadata = {
    promptTokenCount: u.input,
    candidatesTokenCount: u.output,
    totalTokenCount: u.input + u.output + (u.reasoning ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.input }],
    ...(u.cacheRead !== undefined ? { cachedContentTokenCount: u.cacheRead } : {}),
    ...(u.reasoning !== undefined ? { thoughtsTokenCount: u.reasoning } : {}),
  };
  const finishReason = reply?.rawFinish ?? FINISH[reply?.finish ?? 'stop'];
  const n = body.generationConfig?.candidateCount ?? 1;
  const responseId = createHash('sha1').update(JSON.stringify(body)).digest('base64url').slice(0, 22);
  const events: Event[] = [];
  const event = (candidates: unknown[]): void => {
    events.push({ candidates, usageMetadata, modelVersion: model, responseId });
  };
  for (let i = 0; i < n; i++) {
    const t = text === undefined ? undefined : i === 0 ? text : `${text} [${i}]`;
    for (const piece of t === undefined ? [] : splitText(t)) event([{ content: { parts: [{ text: piece }], role: 'model' }, index: i }]);
    const calls = (reply?.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: c.arguments } }));
    if (calls.length > 0) event([{ content: { parts: calls, role: 'model' }, index: i }]);
  }
  event(Array.from({ length: n }, (_, i) => ({ content: { parts: [{ text: '' }], role: 'model' }, finishReason, index: i })));
  return events;
}

/** The non-streaming response: all events of a candidate merged. */
function mergeEvents(events: Event[]): Event {
  const byIndex = new Map<number, { parts: Array<Record<string, unknown>>; finishReason?: unknown }>();
  for (const e of events) {
    for (const c of e.candidates as Array<{ index: number; finishReason?: string; content: { parts: Array<Record<string, unknown>> } }>) {
      const acc = byIndex.get(c.index) ?? { parts: [] };
      for (const p of c.content.parts) {
        const last = acc.parts[acc.parts.length - 1];
        if (typeof p.text === 'string' && p.text === '') continue;
        if (typeof p.text === 'string' && last && typeof last.text === 'string') last.text += p.text;
        else acc.parts.push({ ...p });
      }
      if (c.finishReason) acc.finishReason = c.finishReason;
      byIndex.set(c.index, acc);
    }
  }
  const last = events[events.length - 1] ?? {};
  return {
    candidates: [...byIndex.entries()].map(([index, c]) => ({ content: { parts: c.parts, role: 'model' }, finishReason: c.finishReason, index })),
    usageMetadata: last.usageMetadata,
    modelVersion: last.modelVersion,
    responseId: last.responseId,
  };
}

function splitText(text: string): string[] {
  const words = text.split(/(?<=\s)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 2) out.push(words.slice(i, i + 2).join(''));
  return out.length > 0 ? out : [text];
}

function embed(res: http.ServerResponse, model: string, raw: unknown): void {
  const parsed = batchEmbedSchema.safeParse(raw);
  if (!parsed.success) return sendJson(res, 400, googleErrorBody(400, zodMessage(parsed.error, 'BatchEmbedContentsRequest')));
  const bad = parsed.data.requests.findIndex((r) => r.model !== `models/${model}`);
  if (bad >= 0) {
    return sendJson(res, 400, googleErrorBody(400, `* BatchEmbedContentsRequest.requests[${bad}].model: Model name mismatch, expected models/${model}`));
  }
  const embeddings = parsed.data.requests.map((r) => {
    const digest = createHash('sha256').update(r.content.parts.map((p) => p.text).join('')).digest();
    const dims = r.outputDimensionality ?? 8;
    return { values: Array.from({ length: dims }, (_, i) => ((digest[i % digest.length] ?? 0) - 128) / 128) };
  });
  sendJson(res, 200, { embeddings });
}
