import type { Request, Response } from 'express';
import type { ModelInfo } from '../../gateway/core/chat-model';
import { GatewayError } from '../../gateway/core/errors';
import type { ModelRegistry } from '../../gateway/routing/model-registry';

function toOpenAIModel(m: ModelInfo): Record<string, unknown> {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy };
}

/** `GET /v1/models`: what the configured providers serve (Ollama asked live). */
export function listModelsHandler(registry: ModelRegistry) {
  return async (_req: Request, res: Response): Promise<void> => {
    const models = await registry.listModels();
    res.json({ object: 'list', data: models.map(toOpenAIModel) });
  };
}

/** `GET /v1/models/{id}` — ids contain a slash (`openai/gpt-4o`); a direct name resolves to its qualified id. */
export function getModelHandler(registry: ModelRegistry) {
  return async (req: Request, res: Response): Promise<void> => {
    const raw = req.params.id as unknown;
    const id = Array.isArray(raw) ? raw.join('/') : String(raw);
    const models = await registry.listModels();
    let found = models.find((m) => m.id === id);
    if (!found) {
      const r = await registry.resolve(id, 'chat').catch(() => undefined);
      found = r && models.find((m) => m.provider === r.provider.settings.name && m.modelId === r.modelId);
    }
    if (!found) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model '${id}' does not exist` });
    }
    res.json(toOpenAIModel(found));
  };
}
