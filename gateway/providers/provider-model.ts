import type { ProviderSettings } from './provider';

/** What the model classes of a provider folder share: the upstream model id and the provider instance it calls. */
export abstract class ProviderModel<C extends { settings: ProviderSettings }> {
  constructor(
    readonly modelId: string,
    protected readonly config: C,
  ) {}

  /** The provider instance's name (`anthropic`, `my-ollama`). */
  get provider(): string {
    return this.config.settings.name;
  }
}
