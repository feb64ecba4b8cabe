import path from 'node:path';
import { z } from 'zod';
import type { ProviderSettings } from '../gateway/providers/provider';
import { DEFAULT_TIMEOUTS } from '../gateway/http/upstream-client';
import type { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { DEFAULT_ROUTING, type RoutingConfig } from '../gateway/routing/routing-config';
import { ROUTING_EXTENSION_FIELDS } from '../gateway/routing/routing-extensions';
import { type FileProvider, readConfigFile, reservedSectionWarnings } from './config-file';
import { PROVIDER_DEFAULTS } from './provider-defaults';

export { ConfigError } from './config-error';
export type { AppConfig } from './app-config';

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
const intIn = (def: number, min: number, max: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? def : Number(v)), z.number().int().min(min).max(max));

const envSchema = z.looseObject({
  CB_DATA_DIR: z.string().default('./data'),
  HOST: z.string().optional(),
  PORT: intIn(4000, 0, 65535),
  CB_API_TOKENS: z.string().optional(),
  CB_ADMIN_TOKENS: z.string().optional(),
  CB_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size like 512kb or 10mb').default('10mb'),
  CB_SHUTDOWN_GRACE_MS: intIn(10_000, 0, 600_000),
  CB_KEEPALIVE_MS: intIn(15_000, 100, 600_000),
  CB_PUBLIC_URL: optionalUrl,
  CB_CONFIG: z.string().optional(),
  CB_DEMO: z.enum(['true', 'false', '1', '0', '']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('circuit-breaker-v2'),
  TEMPORAL_DEV_PORT: intIn(7233, 1, 65535),
  TEMPORAL_UI_PORT: intIn(8233, 1, 65535),
  TEMPORAL_UI_URL: optionalUrl,
  TEMPORAL_CLI_PATH: z.string().optional(),
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_BASE_URL: optionalUrl,
  GOOGLE_BASE_URL: optionalUrl,
  OLLAMA_BASE_URL: optionalUrl,
  AZURE_OPENAI_ENDPOINT: optionalUrl,
  AZURE_OPENAI_API_VERSION: z.string().optional(),
  CUSTOM_LLM_ENDPOINT: optionalUrl,
  CUSTOM_LLM_OPENROUTER_COMPATIBLE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false', '1', '0']).optional()),
  CUSTOM_LLM_EXTRA_FIELDS: z.string().optional(),
  CB_RATE_LIMIT_RPM: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()),
  CB_RATE_LIMIT_TPM: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()),
  REDIS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^rediss?:\/\//, 'a redis:// URL').optional()),
  CB_RATE_LIMIT_PREFIX: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits, _ : . - (at most 64)').default('cb-rl')),
});

/** Reads `.env` (if present) into process.env without overriding what is set. Call once from entry points. */
export function loadDotEnv(file = '.env'): void {
  try {
    process.loadEnvFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

/** Builds and validates the whole configuration from the environment and the optional config file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw ConfigError.fromZod('environment', parsed.error);
  const e = parsed.data;
  const apiTokens = list(e.CB_API_TOKENS);
  const adminTokens = list(e.CB_ADMIN_TOKENS);
  const file = e.CB_CONFIG ? readConfigFile(e.CB_CONFIG, env) : undefined;
  const fileProviders = file?.providers ?? [];
  const providers = mergeProviders(envProviders(e, env), fileProviders.map(fromFile));
  for (const p of providers) {
    if (KEYED_KINDS.has(p.kind) && p.apiKeys.length === 0) throw new ConfigError(`providers.${p.name}.api_key: required for kind ${p.kind}`);
  }
  const demoForced = e.CB_DEMO === 'true' || e.CB_DEMO === '1';
  const demoMode = providers.length === 0 || demoForced;
  if (demoMode) providers.push(demoProvider());
  const uiPort = e.TEMPORAL_UI_PORT;
  return {
    dataDir: path.resolve(e.CB_DATA_DIR),
    server: {
      host: e.HOST ?? (apiTokens.length + adminTokens.length > 0 ? '0.0.0.0' : '127.0.0.1'),
      hostExplicit: e.HOST !== undefined && e.HOST !== '',
      port: e.PORT,
      apiTokens,
      adminTokens,
      bodyLimit: e.CB_BODY_LIMIT,
      shutdownGraceMs: e.CB_SHUTDOWN_GRACE_MS,
      sseKeepAliveMs: e.CB_KEEPALIVE_MS,
      publicUrl: e.CB_PUBLIC_URL ? e.CB_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS || undefined,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort,
      uiUrl: e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${uiPort}`,
      cliPath: e.TEMPORAL_CLI_PATH || undefined,
    },
    providers,
    routing: withEnvLimits(file?.routing ?? DEFAULT_ROUTING, env),
    hooks: file?.hooks ?? {},
    configFile: e.CB_CONFIG ? path.resolve(e.CB_CONFIG) : undefined,
    warnings: file && e.CB_CONFIG ? reservedSectionWarnings(file, e.CB_CONFIG) : [],
    redisUrl: e.REDIS_URL,
    rateLimitPrefix: e.CB_RATE_LIMIT_PREFIX,
    demoMode,
    logLevel: e.LOG_LEVEL,
  };
}

type Env = z.infer<typeof envSchema>;

const envLimitsSchema = envSchema.pick({ CB_RATE_LIMIT_RPM: true, CB_RATE_LIMIT_TPM: true });

/** CB_RATE_LIMIT_RPM / CB_RATE_LIMIT_TPM set the per-caller limits the config file leaves unset. */
export function withEnvLimits(routing: RoutingConfig, env: NodeJS.ProcessEnv): RoutingConfig {
  const e = envLimitsSchema.parse(env); // the same rules as at start-up
  const perCaller = { ...routing.rate_limits.per_caller };
  perCaller.rpm ??= e.CB_RATE_LIMIT_RPM;
  perCaller.tpm ??= e.CB_RATE_LIMIT_TPM;
  return { ...routing, rate_limits: { ...routing.rate_limits, per_caller: perCaller } };
}

/** Kinds whose upstream always needs a key (custom endpoints and Ollama may run without). */
const KEYED_KINDS = new Set(['openai', 'anthropic', 'google', 'azure']);

function base(kind: ProviderSettings['kind'], name: string): ProviderSettings {
  const d = kind === 'demo' ? { baseUrl: 'demo:', models: [], embeddingModels: [] } : PROVIDER_DEFAULTS[kind];
  return {
    name,
    kind,
    baseUrl: d.baseUrl,
    apiKeys: [],
    models: [...d.models],
    embeddingModels: [...d.embeddingModels],
    headers: {},
    deployments: {},
    timeouts: { ...DEFAULT_TIMEOUTS },
  };
}

function keys(env: NodeJS.ProcessEnv, prefix: string): string[] {
  return [...new Set([...list(env[`${prefix}_API_KEYS`]), ...list(env[`${prefix}_API_KEY`])])];
}

function withModels(p: ProviderSettings, env: NodeJS.ProcessEnv, prefix: string): ProviderSettings {
  const models = list(env[`${prefix}_MODELS`]);
  const emb = list(env[`${prefix}_EMBEDDING_MODELS`]);
  if (models.length > 0) p.models = models;
  if (emb.length > 0) p.embeddingModels = emb;
  return p;
}

function envProviders(e: Env, env: NodeJS.ProcessEnv): ProviderSettings[] {
  const out: ProviderSettings[] = [];
  const openaiKeys = keys(env, 'OPENAI');
  if (openaiKeys.length > 0) {
    out.push(withModels({ ...base('openai', 'openai'), apiKeys: openaiKeys, baseUrl: trim(e.OPENAI_BASE_URL) ?? PROVIDER_DEFAULTS.openai.baseUrl }, env, 'OPENAI'));
  }
  const anthropicKeys = keys(env, 'ANTHROPIC');
  if (anthropicKeys.length > 0) {
    out.push(withModels({ ...base('anthropic', 'anthropic'), apiKeys: anthropicKeys, baseUrl: trim(e.ANTHROPIC_BASE_URL) ?? PROVIDER_DEFAULTS.anthropic.baseUrl }, env, 'ANTHROPIC'));
  }
  const googleKeys = [...new Set([...keys(env, 'GOOGLE'), ...keys(env, 'GEMINI')])];
  if (googleKeys.length > 0) {
    out.push(withModels({ ...base('google', 'google'), apiKeys: googleKeys, baseUrl: trim(e.GOOGLE_BASE_URL) ?? PROVIDER_DEFAULTS.google.baseUrl }, env, 'GOOGLE'));
  }
  if (e.OLLAMA_BASE_URL) {
    out.push(withModels({ ...base('ollama', 'ollama'), baseUrl: trim(e.OLLAMA_BASE_URL) ?? '' }, env, 'OLLAMA'));
  }
  const azureKeys = keys(env, 'AZURE_OPENAI');
  if (e.AZURE_OPENAI_ENDPOINT) {
    if (azureKeys.length === 0) throw new ConfigError('AZURE_OPENAI_API_KEY: required when AZURE_OPENAI_ENDPOINT is set');
    const deployments = parseDeployments(list(env.AZURE_OPENAI_DEPLOYMENTS));
    out.push({
      ...base('azure', 'azure'),
      apiKeys: azureKeys,
      baseUrl: trim(e.AZURE_OPENAI_ENDPOINT) ?? '',
      apiVersion: e.AZURE_OPENAI_API_VERSION || undefined,
      deployments,
      models: Object.keys(deployments),
    });
  }
  if (e.CUSTOM_LLM_ENDPOINT) {
    out.push(
      withModels(
        {
          ...base('custom', 'custom'),
          apiKeys: keys(env, 'CUSTOM_LLM'),
          baseUrl: trim(e.CUSTOM_LLM_ENDPOINT) ?? '',
          ...(e.CUSTOM_LLM_OPENROUTER_COMPATIBLE === 'true' || e.CUSTOM_LLM_OPENROUTER_COMPATIBLE === '1' ? { openrouterCompatible: true } : {}),
          ...(e.CUSTOM_LLM_EXTRA_FIELDS ? { extraFields: checkExtraFields(list(e.CUSTOM_LLM_EXTRA_FIELDS), 'CUSTOM_LLM_EXTRA_FIELDS') } : {}),
        },
        env,
        'CUSTOM_LLM',
      ),
    );
  }
  return out;
}

/** The router's own request fields are never forwarded: naming one as an extra field is a configuration error. */
function checkExtraFields(fields: string[], where: string): string[] {
  const routing = fields.filter((f) => ROUTING_FIELDS.has(f));
  if (routing.length > 0) throw new ConfigError(`${where}: ${routing.join(', ')} ${routing.length > 1 ? 'are' : 'is'} routing field(s) the gateway consumes, never forwarded`);
  return fields;
}

const ROUTING_FIELDS = new Set<string>(ROUTING_EXTENSION_FIELDS);

/** `AZURE_OPENAI_DEPLOYMENTS=gpt-4o=my-4o-deploy,embed=my-embed` or plain deployment names. */
function parseDeployments(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [model, deployment] = item.split('=', 2).map((s) => s.trim());
    if (model) out[model] = deployment || model;
  }
  return out;
}

function fromFile(f: FileProvider): ProviderSettings {
  const p = base(f.kind, f.name);
  const url = f.kind === 'azure' ? (f.endpoint ?? f.base_url) : (f.base_url ?? f.endpoint);
  if (url) p.baseUrl = trim(url) ?? p.baseUrl;
  if (!p.baseUrl) throw new ConfigError(`providers.${f.name}.base_url: required for kind ${f.kind}`);
  p.apiKeys = [...new Set([...(f.api_keys ?? []), ...(f.api_key ? [f.api_key] : [])])];
  if (f.models) p.models = f.models;
  if (f.embedding_models) p.embeddingModels = f.embedding_models;
  if (f.deployments) {
    p.deployments = f.deployments;
    if (!f.models) p.models = Object.keys(f.deployments);
  }
  if (f.api_version) p.apiVersion = f.api_version;
  if (f.rate_limits) p.rateLimits = f.rate_limits;
  if (f.key_weights) {
    if (f.key_weights.length !== p.apiKeys.length) throw new ConfigError(`providers.${f.name}.key_weights: needs one weight per api key (${p.apiKeys.length})`);
    p.keyWeights = f.key_weights;
  }
  if (f.headers) p.headers = f.headers;
  if (f.openrouter_compatible !== undefined) {
    if (f.kind !== 'custom') throw new ConfigError(`providers.${f.name}.openrouter_compatible: only for kind custom`);
    p.openrouterCompatible = f.openrouter_compatible;
  }
  if (f.extra_fields !== undefined) {
    if (f.kind !== 'custom') throw new ConfigError(`providers.${f.name}.extra_fields: only for kind custom`);
    p.extraFields = checkExtraFields(f.extra_fields, `providers.${f.name}.extra_fields`);
  }
  if (f.timeouts) {
    p.timeouts = {
      connectMs: f.timeouts.connect_ms ?? p.timeouts.connectMs,
      headersMs: f.timeouts.headers_ms ?? p.timeouts.headersMs,
      bodyMs: f.timeouts.body_ms ?? p.timeouts.bodyMs,
    };
  }
  return p;
}

/** A file entry with the same name as an env-derived provider replaces it, keeping env keys it lacks. */
function mergeProviders(fromEnv: ProviderSettings[], fromFileList: ProviderSettings[]): ProviderSettings[] {
  const out = [...fromEnv];
  for (const f of fromFileList) {
    const i = out.findIndex((p) => p.name === f.name);
    if (i < 0) out.push(f);
    else out[i] = { ...f, apiKeys: f.apiKeys.length > 0 ? f.apiKeys : (out[i]?.apiKeys ?? []) };
  }
  return out;
}

function demoProvider(): ProviderSettings {
  return { ...base('demo', 'demo'), models: ['echo', 'tool-caller'], embeddingModels: ['embed'] };
}

function trim(url: string | undefined): string | undefined {
  return url?.replace(/\/+$/, '');
}
