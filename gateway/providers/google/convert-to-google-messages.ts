import {
  parseToolArguments,
  requestedMaxTokens,
  requestedTopK,
  stopSequences,
  textOf,
  type AssistantMessage,
  type ChatMessage,
  type ChatRequest,
} from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import { convertUserPart } from './convert-google-user-parts';
import { convertToGoogleParameters, convertToGoogleSchema } from './convert-to-google-schema';
import type { GoogleContent, GoogleGenerationConfig, GooglePartInput, GoogleRequestBody } from './google-request-types';

/** Gemini accepts 1–8 candidates per request. */
export const GOOGLE_MAX_CANDIDATES = 8;

/**
 * Gemini 3 models reject a replayed `functionCall` part without the `thoughtSignature` they produced; our
 * OpenAI-shaped history cannot carry it, so the first call of each model turn gets Google's documented
 * "skip validation" sentinel (older models accept and ignore it).
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/**
 * Canonical (OpenAI) request → Gemini generateContent body. Pure.
 * Parameters without a Gemini equivalent (`logprobs`, `top_logprobs`, `user`, `parallel_tool_calls`,
 * zero penalties, OpenRouter's extras but `top_k` → `topK`, unknown extras) are dropped; `n` above 8 is a 400 naming `n`. Temperature ranges
 * match (0–2) so nothing is clamped.
 */
export function convertToGoogleRequest(request: ChatRequest): GoogleRequestBody {
  const { contents, systemText } = convertToGoogleMessages(request.messages);
  const body: GoogleRequestBody = { contents };
  if (systemText !== undefined) body.systemInstruction = { parts: [{ text: systemText }] };

  const generationConfig = convertGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

  const tools = request.tools ?? [];
  if (tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: tools.map((t, i) => {
          const parameters = convertToGoogleParameters(t.function.parameters, `tools[${i}].function.parameters`);
          return {
            name: t.function.name,
            ...(t.function.description !== undefined ? { description: t.function.description } : {}),
            ...(parameters !== undefined ? { parameters } : {}),
          };
        }),
      },
    ];
    const choice = request.tool_choice;
    if (choice === 'none') body.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
    else if (choice === 'auto') body.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    else if (choice === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (choice !== undefined) {
      const name = choice.function.name;
      if (!tools.some((t) => t.function.name === name)) {
        throw GatewayErrors.invalidRequest(`tool_choice names function '${name}' which is not in tools`, 'tool_choice');
      }
      body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
    }
  }
  return body;
}

function convertGenerationConfig(request: ChatRequest): GoogleGenerationConfig {
  const config: GoogleGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const topK = requestedTopK(request);
  if (topK !== undefined) config.topK = topK;
  const maxTokens = requestedMaxTokens(request);
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  const stop = stopSequences(request)?.filter((s) => s !== '');
  if (stop !== undefined && stop.length > 0) config.stopSequences = stop;
  if (request.n != null && request.n > 1) {
    if (request.n > GOOGLE_MAX_CANDIDATES) {
      throw GatewayErrors.invalidRequest(`n must be at most ${GOOGLE_MAX_CANDIDATES} for google models`, 'n');
    }
    config.candidateCount = request.n;
  }
  if (request.seed != null) config.seed = request.seed;
  // Several Gemini models 400 on any penalty ("Penalty is not enabled"); a zero penalty is a no-op anyway.
  if (request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema !== undefined) {
      config.responseSchema = convertToGoogleSchema(format.json_schema.schema, 'response_format.json_schema.schema');
    }
  }
  return config;
}

/**
 * Messages → `contents` + the system text. System and developer messages (wherever they appear) are all
 * kept, joined with "\n\n", as `systemInstruction`. Assistant → role `model` (tool calls → functionCall
 * parts); tool results → functionResponse parts in a `user` turn, named after the earlier assistant tool
 * call with that id. Consecutive turns of one role are merged (parallel tool results become one turn).
 */
export function convertToGoogleMessages(messages: readonly ChatMessage[]): {
  contents: GoogleContent[];
  systemText: string | undefined;
} {
  const system: string[] = [];
  const contents: GoogleContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: GoogleContent['role'], parts: GooglePartInput[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text !== '') system.push(text);
        break;
      }
      case 'user': {
        if (typeof message.content === 'string') push('user', message.content === '' ? [] : [{ text: message.content }]);
        else {
          const parts = message.content.map((p, j) => convertUserPart(p, `messages[${i}].content[${j}]`));
          push('user', parts.filter((p): p is GooglePartInput => p !== undefined));
        }
        break;
      }
      case 'assistant':
        push('model', convertAssistant(message, i, toolNames));
        break;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw GatewayErrors.invalidRequest(
            `messages[${i}].tool_call_id '${message.tool_call_id}' does not match a tool call of an earlier assistant message`,
            `messages[${i}].tool_call_id`,
          );
        }
        push('user', [{ functionResponse: { name, response: toFunctionResponse(textOf(message.content)) } }]);
        break;
      }
    }
  });

  if (contents.length === 0) {
    throw GatewayErrors.invalidRequest('google needs at least one user or assistant message with content', 'messages');
  }
  return { contents, systemText: system.length > 0 ? system.join('\n\n') : undefined };
}

function convertAssistant(message: AssistantMessage, i: number, toolNames: Map<string, string>): GooglePartInput[] {
  const parts: GooglePartInput[] = [];
  const content = message.content;
  const text =
    typeof content === 'string'
      ? content
      : (content ?? []).map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
  if (text !== '') parts.push({ text });
  (message.tool_calls ?? []).forEach((call, j) => {
    toolNames.set(call.id, call.function.name);
    const args = parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`, 'google');
    const part: GooglePartInput = { functionCall: { name: call.function.name, args } };
    parts.push(j === 0 ? { ...part, thoughtSignature: SKIP_THOUGHT_SIGNATURE } : part);
  });
  return parts;
}


/** Gemini's functionResponse.response must be an object: JSON objects pass, anything else is `{content}`. */
function toFunctionResponse(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return { content: text };
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  return { content: parsed };
}
