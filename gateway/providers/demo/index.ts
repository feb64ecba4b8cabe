import { type Provider, type ProviderSettings, staticModelInfos } from '../provider';
import { DemoChatModel, DemoEmbeddingModel } from './demo-models';

export function createDemoProvider(settings: ProviderSettings): Provider {
  return {
    settings,
    chatModel: (modelId) => new DemoChatModel(modelId),
    embeddingModel: (modelId) => (settings.embeddingModels.includes(modelId) ? new DemoEmbeddingModel(modelId) : undefined),
    listModels: () => Promise.resolve(staticModelInfos(settings, 'circuit-breaker-demo')),
  };
}
