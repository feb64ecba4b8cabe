import type { ProviderSettings } from '../gateway/providers/provider';
import type { RoutingConfig } from '../gateway/routing/routing-config';
import type { HookConfig } from './config-file';

/** The whole validated configuration, built once at start-up by `loadConfig()` (config/load-config.ts). */
export interface AppConfig {
  /** Directory for local state (Temporal SQLite file, ledgers). `CB_DATA_DIR`, default `./data`. */
  dataDir: string;
  server: {
    /** `HOST`; default 127.0.0.1 when no API tokens are set, else 0.0.0.0. */
    host: string;
    /** True when HOST was set explicitly. */
    hostExplicit: boolean;
    /** `PORT`, default 4000. */
    port: number;
    /** `CB_API_TOKENS` (comma list); empty → no auth. */
    apiTokens: string[];
    /** `CB_ADMIN_TOKENS` (comma list): operator tokens — authenticate like API tokens, and see every caller's pipeline runs. */
    adminTokens: string[];
    /** `CB_BODY_LIMIT`, default '10mb'. */
    bodyLimit: string;
    /** `CB_SHUTDOWN_GRACE_MS`, default 10000: how long in-flight requests may drain on stop. */
    shutdownGraceMs: number;
    /** `CB_KEEPALIVE_MS`, default 15000: SSE keep-alive comment interval while waiting upstream. */
    sseKeepAliveMs: number;
    /** `CB_PUBLIC_URL`: the origin links in answers use (`streamUrl`); unset → the address the API listens on. Never the Host header. */
    publicUrl: string | undefined;
  };
  temporal: {
    /** `TEMPORAL_ADDRESS`; undefined → the all-in-one start runs a dev server. */
    address: string | undefined;
    /** `TEMPORAL_NAMESPACE`, default 'default'. */
    namespace: string;
    /** `TEMPORAL_TASK_QUEUE`, default 'circuit-breaker-v2'. */
    taskQueue: string;
    /** Dev server gRPC port (`TEMPORAL_DEV_PORT`, default 7233) and UI port (`TEMPORAL_UI_PORT`, default 8233). */
    devPort: number;
    uiPort: number;
    /** `TEMPORAL_UI_URL`: where the Web UI is, for links; default http://127.0.0.1:<uiPort>. */
    uiUrl: string;
    /** `TEMPORAL_CLI_PATH`: an explicit temporal CLI binary. */
    cliPath: string | undefined;
  };
  providers: ProviderSettings[];
  /** The `routing:` section of CB_CONFIG (defaults when absent); CB_RATE_LIMIT_RPM/TPM fill per-caller limits. */
  routing: RoutingConfig;
  /** The `hooks:` section of CB_CONFIG: external triggers of pipelines (POST /v1/hooks/<name>); {} when absent. */
  hooks: Record<string, HookConfig>;
  /** The config file, when one is used (watched for routing changes). */
  configFile: string | undefined;
  /** Said once at start-up by the entry point: settings accepted but not applied (sections later features own). */
  warnings: string[];
  /** `REDIS_URL`: shared state (rate limits) across API processes; unset → in-process. */
  redisUrl: string | undefined;
  /** `CB_RATE_LIMIT_PREFIX`, default 'cb-rl': prefix of the rate-limit counter keys (in Redis). */
  rateLimitPrefix: string;
  /** True when no real provider is configured and the `demo/…` models are served. */
  demoMode: boolean;
  logLevel: string;
}
