import fs from 'node:fs';
import { z } from 'zod';
import YAML from 'yaml';
import { routingConfigSchema } from '../gateway/routing/routing-config';
import { ConfigError } from './config-error';

/**
 * The optional config file (`CB_CONFIG`, YAML or JSON). `${NAME}` and `${NAME:-default}` are replaced from the
 * environment before parsing; a reference to an unset variable without a default is an error naming it.
 */

const providerKind = z.enum(['openai', 'anthropic', 'google', 'ollama', 'azure', 'custom']);

export const fileProviderSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
  kind: providerKind,
  base_url: z.url().optional(),
  /** Azure resource endpoint, e.g. https://my-res.openai.azure.com */
  endpoint: z.url().optional(),
  api_key: z.string().min(1).optional(),
  api_keys: z.array(z.string().min(1)).optional(),
  api_version: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).optional(),
  embedding_models: z.array(z.string().min(1)).optional(),
  deployments: z.record(z.string(), z.string().min(1)).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeouts: z
    .strictObject({
      connect_ms: z.number().int().positive().optional(),
      headers_ms: z.number().int().positive().optional(),
      body_ms: z.number().int().positive().optional(),
    })
    .optional(),
  /** Ceilings per key of this provider (requests and tokens per minute). */
  rate_limits: z.strictObject({ rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional() }).optional(),
  /** load_balanced weight of each key, in `api_keys` order (default 1 each). */
  key_weights: z.array(z.number().positive()).optional(),
  /** kind custom: the endpoint speaks OpenRouter's dialect and receives `top_k`, `usage`, `plugins`, `reasoning` … */
  openrouter_compatible: z.boolean().optional(),
  /** kind custom: more top-level request fields this endpoint takes (vLLM's `guided_json`, `chat_template_kwargs` …). */
  extra_fields: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a request field name')).optional(),
});
export type FileProvider = z.infer<typeof fileProviderSchema>;

/** `hooks.<name>`: POST /v1/hooks/<name> starts `workflow` with initial data mapped from the request (dotted paths). */
export const hookSchema = z.strictObject({
  workflow: z.string().min(1),
  /** initialData field → dotted path into `{ payload, headers, query }` (e.g. `payload.meta.title`). */
  map: z.record(z.string(), z.string().min(1)).default({}),
  /** Env variable holding a secret: requests must carry it as `x-cb-hook-token` or sign the body (`x-cb-signature: sha256=<hex HMAC>`). */
  secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
});
export type HookConfig = z.infer<typeof hookSchema>;

/**
 * Sections that later features own: accepted (so a config written for them still starts) but not applied yet —
 * each one present is named in a start-up warning. Any other unknown top-level key is an error.
 */
export const RESERVED_SECTIONS = ['security', 'budgets', 'rules', 'pricing', 'ledger', 'cost_optimization'] as const;

export const configFileSchema = z.strictObject({
  providers: z.array(fileProviderSchema).optional(),
  routing: routingConfigSchema.optional(),
  hooks: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" or "-"'), hookSchema).optional(),
  ...Object.fromEntries(RESERVED_SECTIONS.map((k) => [k, z.unknown().optional()])),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

/** One warning per reserved setting present: "`security.pii_detection` is not supported yet …". */
export function reservedSectionWarnings(file: Record<string, unknown>, source: string): string[] {
  return RESERVED_SECTIONS.flatMap((section) => {
    const value = file[section];
    if (value === undefined) return [];
    const keys = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 ? Object.keys(value).map((k) => `${section}.${k}`) : [section];
    return keys.map((k) => `${source}: \`${k}\` is not supported yet: the setting is ignored`);
  });
}

export function substituteEnv(text: string, env: NodeJS.ProcessEnv, source: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (def !== undefined) return def;
    throw new ConfigError(`${source}: references \${${name}}, which is not set`);
  });
}

export function readConfigFile(path: string, env: NodeJS.ProcessEnv): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CB_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  return parseConfigText(text, path, env);
}

export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv): ConfigFile {
  let data: unknown;
  try {
    data = /\.json$/i.test(source) ? JSON.parse(substituteEnv(text, env, source)) : YAML.parse(substituteEnv(text, env, source));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${source}: not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(data ?? {});
  if (!parsed.success) throw ConfigError.fromZod(source, parsed.error);
  return parsed.data;
}
