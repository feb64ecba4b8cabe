import { GatewayErrors } from '../../core/errors';
import {
  parseToolArguments,
  requestedMaxTokens,
  requestedRepetitionPenalty,
  requestedTopK,
  stopSequences,
  textOf,
  type AssistantMessage,
  type ChatMessage,
  type ChatRequest,
  type Tool,
  type UserMessage,
} from '../../core/chat-request';

/**
 * Canonical (OpenAI) chat request → Ollama native `/api/chat` body. Pure.
 *
 * Decisions (Ollama's native API has no equivalent for some OpenAI fields):
 * - system/developer messages: all kept, concatenated with "\n\n" into one leading system message (what
 *   Ollama's own template collation does for `.System`; some model templates only render one).
 * - images: data URIs only, sent as bare base64 in `images`; http(s) URLs → 400 (Ollama fetches nothing).
 *   Audio and file parts → 400.
 * - several user text parts are joined with "\n" (Ollama content is one string).
 * - tool_choice: `none` omits the tools; `auto`/`required` send them (Ollama cannot force a call — best
 *   effort); a specific function sends only that tool (400 if it is not among `tools`).
 * - parallel_tool_calls, logprobs, top_logprobs, user, stream_options: dropped (no Ollama equivalent).
 * - n > 1 → 400: Ollama returns one answer per call.
 * - temperature / top_p are sent unchanged (Ollama accepts OpenAI's whole range, no clamping needed);
 *   OpenRouter's `top_k` → `options.top_k`, `repetition_penalty` → `options.repeat_penalty`; its other
 *   extras (`usage`, `plugins`, `min_p`, `top_a`, `reasoning` …) are dropped.
 * - Ollama-specific extras a client may put on the request are forwarded: `keep_alive`, and `options`
 *   (e.g. `num_ctx`), which the mapped OpenAI parameters override.
 */

export interface OllamaRequestMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  images?: string[];
  tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  tool_name?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface OllamaChatRequestBody {
  model: string;
  messages: OllamaRequestMessage[];
  stream: boolean;
  tools?: OllamaTool[];
  format?: 'json' | Record<string, unknown>;
  options?: Record<string, unknown>;
  keep_alive?: string | number;
}

export function convertToOllamaChatRequest(request: ChatRequest, modelId: string, stream: boolean): OllamaChatRequestBody {
  if (request.n != null && request.n > 1) {
    throw GatewayErrors.invalidRequest('n > 1 is not supported by Ollama (one choice per request)', 'n');
  }
  const body: OllamaChatRequestBody = { model: modelId, messages: convertToOllamaMessages(request.messages), stream };
  const tools = convertTools(request);
  if (tools !== undefined) body.tools = tools;
  const format = convertFormat(request);
  if (format !== undefined) body.format = format;
  const options = convertOptions(request);
  if (Object.keys(options).length > 0) body.options = options;
  const keepAlive = (request as Record<string, unknown>)['keep_alive'];
  if (typeof keepAlive === 'string' || typeof keepAlive === 'number') body.keep_alive = keepAlive;
  return body;
}

export function convertToOllamaMessages(messages: readonly ChatMessage[]): OllamaRequestMessage[] {
  const system: string[] = [];
  const out: OllamaRequestMessage[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        out.push(convertUser(message, i));
        break;
      case 'assistant':
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        out.push(convertAssistant(message, i));
        break;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        out.push({ role: 'tool', content: textOf(message.content), ...(name !== undefined ? { tool_name: name } : {}) });
        break;
      }
    }
  });
  return system.length > 0 ? [{ role: 'system', content: system.join('\n\n') }, ...out] : out;
}

function convertUser(message: UserMessage, i: number): OllamaRequestMessage {
  if (typeof message.content === 'string') return { role: 'user', content: message.content };
  const texts: string[] = [];
  const images: string[] = [];
  message.content.forEach((part, j) => {
    const param = `messages[${i}].content[${j}]`;
    switch (part.type) {
      case 'text':
        texts.push(part.text);
        break;
      case 'image_url':
        images.push(imageBase64(part.image_url.url, `${param}.image_url.url`));
        break;
      case 'input_audio':
        throw GatewayErrors.invalidRequest('Ollama does not accept audio input', param);
      case 'file':
        throw GatewayErrors.invalidRequest('Ollama does not accept file input', param);
    }
  });
  return { role: 'user', content: texts.join('\n'), ...(images.length > 0 ? { images } : {}) };
}

const DATA_URI = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/s;

/** A data-URI image as bare base64 (what Ollama's `images` takes). */
export function imageBase64(url: string, param: string): string {
  const m = DATA_URI.exec(url);
  if (m === null) {
    throw GatewayErrors.invalidRequest(
      /^https?:\/\//i.test(url)
        ? 'Ollama accepts images only as base64 data URIs (data:image/png;base64,…), not http(s) URLs'
        : 'image_url.url must be a base64 data URI (data:image/png;base64,…)',
      param,
    );
  }
  const mime = (m[1] ?? '').toLowerCase();
  if (!mime.startsWith('image/')) {
    throw GatewayErrors.invalidRequest(`image_url data URI must be an image, got "${mime || 'no media type'}"`, param);
  }
  const data = m[4] ?? '';
  if (m[3] !== undefined) return data.replace(/\s+/g, '');
  try {
    return Buffer.from(decodeURIComponent(data), 'utf8').toString('base64');
  } catch {
    throw GatewayErrors.invalidRequest('image_url data URI is not validly percent-encoded', param);
  }
}

function convertAssistant(message: AssistantMessage, i: number): OllamaRequestMessage {
  const content =
    typeof message.content === 'string'
      ? message.content
      : (message.content ?? []).map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
  const out: OllamaRequestMessage = { role: 'assistant', content };
  const calls = message.tool_calls ?? [];
  if (calls.length > 0) {
    out.tool_calls = calls.map((call, j) => ({
      function: { name: call.function.name, arguments: parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`, 'Ollama') },
    }));
  }
  return out;
}


function convertTools(request: ChatRequest): OllamaTool[] | undefined {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === 'none') return undefined;
  let selected: Tool[] = tools;
  if (typeof choice === 'object') {
    selected = tools.filter((t) => t.function.name === choice.function.name);
    if (selected.length === 0) {
      throw GatewayErrors.invalidRequest(`tool_choice names function "${choice.function.name}", which is not in tools`, 'tool_choice');
    }
  }
  return selected.map((t) => ({
    type: 'function',
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    },
  }));
}

function convertFormat(request: ChatRequest): OllamaChatRequestBody['format'] {
  const rf = request.response_format;
  if (rf === undefined || rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return 'json';
  return rf.json_schema.schema ?? 'json';
}

function convertOptions(request: ChatRequest): Record<string, unknown> {
  const extra = (request as Record<string, unknown>)['options'];
  const options: Record<string, unknown> =
    extra !== null && typeof extra === 'object' && !Array.isArray(extra) ? { ...(extra as Record<string, unknown>) } : {};
  const set = (key: string, value: unknown): void => {
    if (value != null) options[key] = value;
  };
  set('temperature', request.temperature);
  set('top_p', request.top_p);
  set('top_k', requestedTopK(request));
  set('repeat_penalty', requestedRepetitionPenalty(request));
  set('seed', request.seed);
  set('num_predict', requestedMaxTokens(request));
  set('stop', stopSequences(request));
  set('presence_penalty', request.presence_penalty);
  set('frequency_penalty', request.frequency_penalty);
  return options;
}
