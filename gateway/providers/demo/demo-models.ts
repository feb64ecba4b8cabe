import { createHash } from 'node:crypto';
import type { CallOptions, ChatModel, ChatStream, EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../core/chat-model';
import { type ChatRequest, textOf } from '../../core/chat-request';
import { type ChatResult, makeUsage, type StreamPart } from '../../core/chat-result';
import { GatewayErrors } from '../../core/errors';
import { chatStream } from '../../http/chat-stream';

/**
 * The local demo family (`demo/echo`, `demo/tool-caller`, `demo/embed`), served only when no real provider
 * is configured (or CB_DEMO=true) and only when named explicitly. Lets a newcomer try every endpoint offline.
 * - echo: answers "Echo: <last user text>", streamed word by word.
 * - tool-caller: when tools are offered (and tool_choice is not none) calls one with `{}`; after a tool
 *   result, answers with what the tool returned.
 * - JSON mode (`response_format` json_object / json_schema): answers a JSON object — for json_object an
 *   approving review-shaped object (`{echo, approved: true, score: 10, feedback}`), so the built-in pipelines'
 *   review gates pass offline; for json_schema a minimal instance of the schema.
 */
const WORD_DELAY_MS = 15;

export class DemoChatModel implements ChatModel {
  readonly provider = 'demo';
  readonly kind = 'demo' as const;
  constructor(readonly modelId: string) {}

  generate(request: ChatRequest, _options: CallOptions): Promise<ChatResult> {
    const plan = this.plan(request);
    return Promise.resolve({
      id: `demo-${Date.now().toString(36)}`,
      model: `demo/${this.modelId}`,
      choices: [
        {
          index: 0,
          content: plan.toolCall ? null : plan.text,
          toolCalls: plan.toolCall ? [plan.toolCall] : [],
          finishReason: { unified: plan.toolCall ? 'tool_calls' : 'stop', raw: undefined },
        },
      ],
      usage: makeUsage(plan.promptTokens, plan.completionTokens),
    });
  }

  stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const plan = this.plan(request);
    const model = `demo/${this.modelId}`;
    async function* parts(): AsyncGenerator<StreamPart> {
      yield { type: 'metadata', model };
      if (plan.toolCall) {
        yield { type: 'tool-call-start', choice: 0, index: 0, id: plan.toolCall.id, name: plan.toolCall.name };
        yield { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: plan.toolCall.arguments };
      } else {
        for (const [i, word] of plan.text.split(/(?<= )/).entries()) {
          if (i > 0) await delay(WORD_DELAY_MS, options.signal);
          yield { type: 'text-delta', choice: 0, delta: word };
        }
      }
      yield { type: 'finish', choice: 0, finishReason: { unified: plan.toolCall ? 'tool_calls' : 'stop', raw: undefined } };
      yield { type: 'usage', usage: makeUsage(plan.promptTokens, plan.completionTokens) };
    }
    return Promise.resolve(chatStream({ provider: this.provider, headers: {}, parts: parts() }));
  }

  private plan(request: ChatRequest): { text: string; toolCall?: { id: string; name: string; arguments: string }; promptTokens: number; completionTokens: number } {
    const promptTokens = estimateTokens(request.messages.map((m) => textOf(m.content)).join(' '));
    const last = request.messages[request.messages.length - 1];
    const tools = request.tools ?? [];
    if (this.modelId === 'tool-caller' && last?.role !== 'tool' && tools.length > 0 && request.tool_choice !== 'none') {
      const choice = request.tool_choice;
      const name = typeof choice === 'object' ? choice.function.name : (tools[0]?.function.name ?? 'tool');
      return { text: '', toolCall: { id: `call_demo_${Date.now().toString(36)}`, name, arguments: '{}' }, promptTokens, completionTokens: 5 };
    }
    const userText = textOf([...request.messages].reverse().find((m) => m.role === 'user')?.content);
    const format = request.response_format;
    const text =
      last?.role === 'tool'
        ? `The tool returned: ${textOf(last.content)}`
        : format?.type === 'json_object'
          ? JSON.stringify({ echo: userText.slice(0, 200), approved: true, score: 10, feedback: 'demo model: no real review' })
          : format?.type === 'json_schema'
            ? JSON.stringify(instanceOf(format.json_schema.schema ?? { type: 'object' }))
            : `Echo: ${userText}`;
    const max = request.max_completion_tokens ?? request.max_tokens ?? undefined;
    const clipped = max !== undefined && format === undefined ? text.split(/(?<= )/).slice(0, max).join('') : text;
    return { text: clipped, promptTokens, completionTokens: estimateTokens(clipped) };
  }
}

export class DemoEmbeddingModel implements EmbeddingModel {
  readonly provider = 'demo';
  readonly kind = 'demo' as const;
  constructor(readonly modelId: string) {}

  embed(request: EmbeddingRequest, _options: CallOptions): Promise<EmbeddingResult> {
    const inputs = Array.isArray(request.input) ? request.input : [request.input];
    if (inputs.some((i) => typeof i !== 'string')) {
      return Promise.reject(GatewayErrors.invalidRequest('demo/embed takes text input only', 'input'));
    }
    const texts = inputs as string[];
    const dims = request.dimensions ?? 16;
    return Promise.resolve({
      model: `demo/${this.modelId}`,
      data: texts.map((t, index) => ({ index, embedding: hashVector(t, dims) })),
      usage: { promptTokens: texts.reduce((n, t) => n + estimateTokens(t), 0), totalTokens: texts.reduce((n, t) => n + estimateTokens(t), 0) },
    });
  }
}

/** A minimal value that satisfies a JSON schema (required properties, first enum value, type defaults). */
function instanceOf(schema: unknown): unknown {
  const s = (typeof schema === 'object' && schema !== null ? schema : {}) as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return 'demo';
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    default: {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : Object.keys(props);
      return Object.fromEntries(required.map((k) => [k, instanceOf(props[k])]));
    }
  }
}

/** A deterministic unit vector from the text's hash. */
function hashVector(text: string, dims: number): number[] {
  const out: number[] = [];
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; i < dims; i++) {
    if (i % 32 === 0 && i > 0) block = createHash('sha256').update(block).digest();
    out.push(((block[i % 32] ?? 0) - 127.5) / 127.5);
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Waits `ms`; the abort listener is removed when the wait ends (one per streamed word would pile up on the call's signal). */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(GatewayErrors.aborted());
    const onAbort = (): void => {
      clearTimeout(t);
      reject(GatewayErrors.aborted());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
