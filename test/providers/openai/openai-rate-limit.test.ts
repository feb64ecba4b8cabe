import { loadConfig } from '../../../config/load-config';
import { createProvider } from '../../../gateway/providers';
import { parseOpenAIDuration, readOpenAIRateLimit } from '../../../gateway/providers/openai';

test.each([
  ['1s', 1000],
  ['6m0s', 360_000],
  ['20ms', 20],
  ['1h2m3.5s', 3_723_500],
  ['0.5s', 500],
  ['59.001s', 59_001],
  ['2', 2000],
  ['1m30s', 90_000],
  ['500us', 1],
])('duration %s → %d ms', (text, ms) => {
  expect(parseOpenAIDuration(text)).toBe(ms);
});

test.each([undefined, '', 'soon', '1x', '-1s', 's'])('not a duration: %p', (text) => {
  expect(parseOpenAIDuration(text)).toBeUndefined();
});

test('reads remaining counts and reset durations', () => {
  expect(
    readOpenAIRateLimit({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '6m0s',
      'x-ratelimit-reset-tokens': '6ms',
      'content-type': 'application/json',
    }),
  ).toEqual({ remainingRequests: 0, remainingTokens: 149_984, resetRequestsMs: 360_000, resetTokensMs: 6 });
});

test('partial and garbage headers; none → undefined', () => {
  expect(readOpenAIRateLimit({ 'x-ratelimit-remaining-tokens': '10' })).toEqual({ remainingTokens: 10 });
  expect(readOpenAIRateLimit({ 'x-ratelimit-remaining-requests': 'many', 'x-ratelimit-reset-requests': 'later' })).toBeUndefined();
  expect(readOpenAIRateLimit({})).toBeUndefined();
});

test('OpenAI, custom and Azure providers expose it', () => {
  const providers = loadConfig({
    OPENAI_API_KEY: 'k',
    AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com',
    AZURE_OPENAI_API_KEY: 'k',
    CUSTOM_LLM_ENDPOINT: 'http://127.0.0.1:9/v1',
  }).providers.map(createProvider);
  for (const p of providers) {
    expect(p.readRateLimit?.({ 'x-ratelimit-remaining-requests': '5' })).toEqual({ remainingRequests: 5 });
  }
  expect(providers.map((p) => p.settings.kind).sort()).toEqual(['azure', 'custom', 'openai']);
});
