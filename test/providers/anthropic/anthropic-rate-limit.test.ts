import { loadConfig } from '../../../config/load-config';
import { createProvider } from '../../../gateway/providers';
import { readAnthropicRateLimit } from '../../../gateway/providers/anthropic';

const NOW = Date.parse('2025-06-01T12:00:00Z');

test('reads remaining counts and RFC 3339 reset times relative to now', () => {
  expect(
    readAnthropicRateLimit(
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2025-06-01T12:00:30Z',
        'anthropic-ratelimit-tokens-remaining': '12000',
        'anthropic-ratelimit-tokens-reset': '2025-06-01T12:00:00.250Z',
        'request-id': 'req_1',
      },
      NOW,
    ),
  ).toEqual({ remainingRequests: 0, resetRequestsMs: 30_000, remainingTokens: 12_000, resetTokensMs: 250 });
});

test('a reset in the past is 0 ms; an unparseable one is left out', () => {
  expect(readAnthropicRateLimit({ 'anthropic-ratelimit-requests-reset': '2025-06-01T11:00:00Z' }, NOW)).toEqual({ resetRequestsMs: 0 });
  expect(readAnthropicRateLimit({ 'anthropic-ratelimit-requests-reset': 'soon', 'anthropic-ratelimit-requests-remaining': 'x' }, NOW)).toBeUndefined();
  expect(readAnthropicRateLimit({}, NOW)).toBeUndefined();
});

test('without combined token headers, the tighter of input/output tokens stands in', () => {
  expect(
    readAnthropicRateLimit(
      {
        'anthropic-ratelimit-input-tokens-remaining': '500',
        'anthropic-ratelimit-input-tokens-reset': '2025-06-01T12:00:10Z',
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': '2025-06-01T12:00:05Z',
      },
      NOW,
    ),
  ).toEqual({ remainingTokens: 0, resetTokensMs: 5_000 });
  expect(readAnthropicRateLimit({ 'anthropic-ratelimit-input-tokens-remaining': '500' }, NOW)).toEqual({ remainingTokens: 500 });
});

test('the Anthropic provider exposes it', () => {
  const [p] = loadConfig({ ANTHROPIC_API_KEY: 'k' }).providers.map(createProvider);
  expect(p?.readRateLimit?.({ 'anthropic-ratelimit-requests-remaining': '7' })).toEqual({ remainingRequests: 7 });
  expect(p?.readRateLimit?.({ 'x-ratelimit-remaining-requests': '7' })).toBeUndefined();
});
