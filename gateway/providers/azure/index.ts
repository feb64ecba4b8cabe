import { OpenAIChatModel, type OpenAICompatibleEndpoint, OpenAIEmbeddingModel, openAIRequestFields, readOpenAIRateLimit } from '../openai';
import { KeyRing, type Provider, type ProviderSettings, staticModelInfos } from '../provider';

/**
 * Azure OpenAI reuses the OpenAI adapter with its own URL scheme and `api-key` header.
 * - with `apiVersion` (classic): `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`
 * - without (v1 API): `{endpoint}/openai/v1/chat/completions`, where `model` is the deployment name.
 * Clients name models by the keys of `deployments` (`azure/gpt-4o`) or by a deployment name directly.
 */
export function createAzureProvider(settings: ProviderSettings): Provider {
  const keys = new KeyRing(settings.apiKeys);
  const root = settings.baseUrl.replace(/\/openai(\/v1)?$/, '');
  const url = (deployment: string, op: 'chat/completions' | 'embeddings'): string =>
    settings.apiVersion
      ? `${root}/openai/deployments/${encodeURIComponent(deployment)}/${op}?api-version=${encodeURIComponent(settings.apiVersion)}`
      : `${root}/openai/v1/${op}`;
  const endpoint: OpenAICompatibleEndpoint & { embeddingsUrl(m: string): string } = {
    provider: settings.name,
    kind: 'azure',
    chatUrl: (d) => url(d, 'chat/completions'),
    embeddingsUrl: (d) => url(d, 'embeddings'),
    headers: (apiKey) => ({ ...settings.headers, 'api-key': keys.take(apiKey) ?? '' }),
    requestFields: openAIRequestFields('azure'),
    timeouts: settings.timeouts,
  };
  const deploymentOf = (model: string): string => settings.deployments[model] ?? model;
  return {
    settings,
    chatModel: (model) => new OpenAIChatModel(deploymentOf(model), endpoint),
    embeddingModel: (model) => new OpenAIEmbeddingModel(deploymentOf(model), endpoint),
    listModels: () => Promise.resolve(staticModelInfos(settings, 'azure')),
    readRateLimit: readOpenAIRateLimit,
  };
}
