import { loadConfig } from '../../config/load-config';
import { GatewayError } from '../../gateway/core/errors';
import { ModelRegistry } from '../../gateway/routing/model-registry';

const registry = ModelRegistry.fromSettings(
  loadConfig({
    OPENAI_API_KEY: 'k',
    ANTHROPIC_API_KEY: 'k',
    GOOGLE_API_KEY: 'k',
    AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com',
    AZURE_OPENAI_API_KEY: 'k',
    AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o-eu=eu-deploy',
    CUSTOM_LLM_ENDPOINT: 'http://127.0.0.1:9/v1',
    CUSTOM_LLM_MODELS: 'my-llama',
  }).providers,
);

const resolve = async (name: string): Promise<string> => {
  const r = await registry.resolve(name, 'chat');
  return `${r.provider.settings.name}:${r.modelId}`;
};

test.each([
  ['gpt-4o', 'openai:gpt-4o'],
  ['o3-mini', 'openai:o3-mini'],
  ['gpt-5-preview', 'openai:gpt-5-preview'],
  ['claude-3-5-sonnet-latest', 'anthropic:claude-3-5-sonnet-latest'],
  ['claude-opus-4-1', 'anthropic:claude-opus-4-1'],
  ['gemini-2.0-flash', 'google:gemini-2.0-flash'],
  ['openai/gpt-4o', 'openai:gpt-4o'],
  ['anthropic/claude-3-5-haiku-latest', 'anthropic:claude-3-5-haiku-latest'],
  ['google/gemini-2.5-pro', 'google:gemini-2.5-pro'],
  ['gemini/gemini-2.5-pro', 'google:gemini-2.5-pro'],
  ['azure/gpt-4o-eu', 'azure:gpt-4o-eu'],
  ['gpt-4o-eu', 'azure:gpt-4o-eu'],
  ['custom/my-llama', 'custom:my-llama'],
  ['my-llama', 'custom:my-llama'],
  ['custom/org/model-with-slash', 'custom:org/model-with-slash'],
])('%s → %s', async (name, expected) => {
  expect(await resolve(name)).toBe(expected);
});

test('unknown names and the demo family are 404s naming the configured providers', async () => {
  for (const name of ['llama3.2', 'demo/echo', 'mystery/model']) {
    const err = await registry.resolve(name, 'chat').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(404);
    expect((err as GatewayError).message).toContain('openai, anthropic, google, azure, custom');
  }
});

test('Azure models map to their deployment upstream', async () => {
  const m = await registry.chatModel('azure/gpt-4o-eu');
  expect(m.modelId).toBe('eu-deploy');
  expect(m.kind).toBe('azure');
});

test('the demo family is served only when named, and only in demo mode', async () => {
  const demo = ModelRegistry.fromSettings(loadConfig({}).providers);
  expect((await demo.resolve('demo/echo', 'chat')).provider.settings.kind).toBe('demo');
  await expect(demo.resolve('gpt-4o', 'chat')).rejects.toThrow('does not exist');
});
