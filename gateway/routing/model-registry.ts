import type { ChatModel, EmbeddingModel, ModelInfo, ProviderKind } from '../core/chat-model';
import { GatewayError } from '../core/errors';
import { createProvider, type Provider, type ProviderSettings } from '../providers';

/**
 * Resolves the model names clients send to a provider instance and upstream model id:
 * - provider-qualified: `<instance>/<model>` (`openai/gpt-4o`, `azure/<deployment>`, `my-vllm/llama`), plus the
 *   kind aliases `google|gemini/…`, `custom/…` (first custom endpoint);
 * - direct: a model some instance lists (`gpt-4o`), else by name pattern (`claude-*` → anthropic), else one an
 *   Ollama instance has pulled (discovered from `/api/tags`). The demo family is never chosen implicitly.
 * Unknown → 404 that names what is configured.
 */
export interface ResolvedModel {
  provider: Provider;
  modelId: string;
}

const KIND_ALIASES: Record<string, ProviderKind> = { gemini: 'google', google: 'google', custom: 'custom', azure: 'azure', ollama: 'ollama', openai: 'openai', anthropic: 'anthropic' };
const PATTERNS: Array<{ kind: ProviderKind; pattern: RegExp }> = [
  { kind: 'openai', pattern: /^(gpt-|chatgpt-|o\d|text-embedding-3|text-embedding-ada)/ },
  { kind: 'anthropic', pattern: /^claude-/ },
  { kind: 'google', pattern: /^(gemini-|gemma-|text-embedding-00|embedding-00)/ },
];

export class ModelRegistry {
  readonly providers: Provider[];
  private readonly byName = new Map<string, Provider>();
  private readonly chatCache = new Map<string, ChatModel>();
  private discovered = new Map<string, Provider>();

  constructor(providers: Provider[]) {
    this.providers = providers;
    for (const p of providers) this.byName.set(p.settings.name, p);
  }

  static fromSettings(settings: ProviderSettings[]): ModelRegistry {
    return new ModelRegistry(settings.map(createProvider));
  }

  /** Resolves a chat model; throws a 404 GatewayError naming what is configured. */
  async chatModel(name: string): Promise<ChatModel> {
    const cached = this.chatCache.get(name);
    if (cached) return cached;
    const r = await this.resolve(name, 'chat');
    const model = r.provider.chatModel(r.modelId);
    if (this.chatCache.size >= 1000) this.chatCache.clear();
    this.chatCache.set(name, model);
    return model;
  }

  async embeddingModel(name: string): Promise<EmbeddingModel> {
    const r = await this.resolve(name, 'embedding');
    const m = r.provider.embeddingModel(r.modelId);
    if (!m) throw this.notFound(name, `provider ${r.provider.settings.name} does not serve embeddings for that model`);
    return m;
  }

  async resolve(name: string, use: 'chat' | 'embedding'): Promise<ResolvedModel> {
    const slash = name.indexOf('/');
    if (slash > 0) {
      const prefix = name.slice(0, slash);
      const modelId = name.slice(slash + 1);
      const provider = this.byName.get(prefix) ?? this.firstOfKind(KIND_ALIASES[prefix]);
      if (provider && modelId !== '') return { provider, modelId };
    }
    const listed = this.providers.find(
      (p) => p.settings.kind !== 'demo' && (use === 'chat' ? p.settings.models : p.settings.embeddingModels).includes(name),
    );
    if (listed) return { provider: listed, modelId: name };
    for (const { kind, pattern } of PATTERNS) {
      if (!pattern.test(name)) continue;
      const p = this.firstOfKind(kind) ?? (kind === 'openai' ? this.firstOfKind('azure') : undefined);
      if (p) return { provider: p, modelId: name };
    }
    const local = this.discovered.get(name) ?? (await this.discover(name));
    if (local) return { provider: local, modelId: name };
    throw this.notFound(name);
  }

  /** Whether `provider/modelId` names a model in that provider's configured chat or embedding list. */
  isListed(target: string): boolean {
    const slash = target.indexOf('/');
    const p = slash > 0 ? this.byName.get(target.slice(0, slash)) : undefined;
    if (!p) return false;
    const id = target.slice(slash + 1);
    return p.settings.models.includes(id) || p.settings.embeddingModels.includes(id) || Object.values(p.settings.deployments).includes(id);
  }

  /** Everything the configured providers serve (Ollama asked live). Also refreshes discovered names. */
  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const lists = await Promise.all(this.providers.map((p) => p.listModels(signal)));
    const all = lists.flat();
    const discovered = new Map<string, Provider>();
    for (const m of all) {
      const p = this.byName.get(m.provider);
      if (p?.settings.kind === 'ollama') {
        discovered.set(m.modelId, p);
        if (m.modelId.endsWith(':latest')) discovered.set(m.modelId.slice(0, -':latest'.length), p);
      }
    }
    this.discovered = discovered;
    return all;
  }

  private async discover(name: string): Promise<Provider | undefined> {
    if (!this.providers.some((p) => p.settings.kind === 'ollama')) return undefined;
    await this.listModels();
    return this.discovered.get(name);
  }

  private firstOfKind(kind: ProviderKind | undefined): Provider | undefined {
    return kind === undefined ? undefined : this.providers.find((p) => p.settings.kind === kind);
  }

  private notFound(name: string, why?: string): GatewayError {
    const configured = this.providers.map((p) => p.settings.name).join(', ') || 'none';
    return new GatewayError({
      status: 404,
      type: 'not_found_error',
      code: 'model_not_found',
      param: 'model',
      message: `The model '${name}' does not exist or is not served here${why ? ` (${why})` : ''}. Configured providers: ${configured}. Use a provider-qualified name such as '${this.providers[0]?.settings.name ?? 'openai'}/<model>', or GET /v1/models for the list.`,
    });
  }
}
