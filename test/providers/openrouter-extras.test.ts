import { chatRequestSchema } from '../../gateway/core/chat-request';
import { convertToAnthropicRequest } from '../../gateway/providers/anthropic';
import { convertToGoogleRequest } from '../../gateway/providers/google';
import { convertToOllamaChatRequest } from '../../gateway/providers/ollama';
import { OPENROUTER_EXTRAS, ROUTING_FIELDS } from './openrouter-fields';

/**
 * OpenRouter clients send fields OpenAI does not have. Every kind accepts them (never a 400 of ours); the
 * translated providers map the samplers they have and drop the rest.
 */
const EXTRAS = { ...OPENROUTER_EXTRAS, ...ROUTING_FIELDS };
const request = chatRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...EXTRAS });

it('the canonical request accepts them all (usage: {include: true} is not a 400)', () => {
  expect(request).toMatchObject(EXTRAS);
});

it('Anthropic: top_k → top_k; nothing else of OpenRouter reaches the body', () => {
  const { body } = convertToAnthropicRequest(request, { modelId: 'claude-sonnet-4-5', stream: false });
  expect(body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], top_k: 40 });
});

it('Gemini: top_k → generationConfig.topK; nothing else of OpenRouter reaches the body', () => {
  expect(convertToGoogleRequest(request)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { topK: 40 } });
});

it('Ollama: top_k → options.top_k, repetition_penalty → options.repeat_penalty; the rest is dropped', () => {
  expect(convertToOllamaChatRequest(request, 'llama3.2', false)).toEqual({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'hi' }],
    stream: false,
    options: { top_k: 40, repeat_penalty: 1.1 },
  });
});

it('a top_k that is not a positive integer (OpenRouter: 0 = off) is not sent', () => {
  const off = chatRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], top_k: 0, repetition_penalty: 'high' });
  expect(convertToAnthropicRequest(off, { modelId: 'c', stream: false }).body).not.toHaveProperty('top_k');
  expect(convertToGoogleRequest(off)).not.toHaveProperty('generationConfig');
  expect(convertToOllamaChatRequest(off, 'l', false)).not.toHaveProperty('options');
});
