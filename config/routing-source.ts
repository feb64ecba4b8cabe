import fs from 'node:fs';
import { DEFAULT_ROUTING, type RoutingConfig } from '../gateway/routing/routing-config';
import { readConfigFile } from './config-file';
import { withEnvLimits } from './load-config';

export interface RoutingSourceLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The routing config in force, hot-reloaded: when the config file changes, its `routing:` section is parsed
 * again and swapped in atomically; an invalid file is logged and the previous config stays. (Providers and
 * keys need a restart; only routing, retry, circuit, price, group and rate-limit settings reload.)
 */
export class RoutingSource {
  private current: RoutingConfig;
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(cfg: RoutingConfig) => void>();

  constructor(
    initial: RoutingConfig,
    private readonly file: string | undefined,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger?: RoutingSourceLogger,
  ) {
    this.current = initial;
  }

  get = (): RoutingConfig => this.current;

  onChange(fn: (cfg: RoutingConfig) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Starts watching the file (no-op without one). Editors replace files, so the directory is watched. */
  watch(debounceMs = 200): void {
    if (!this.file || this.watcher) return;
    const file = this.file;
    const dir = file.slice(0, file.lastIndexOf('/')) || '.';
    const base = file.slice(file.lastIndexOf('/') + 1);
    this.watcher = fs.watch(dir, (_event, name) => {
      if (name !== null && name !== base) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), debounceMs);
    });
    this.watcher.unref();
  }

  /** Re-reads the file now; returns whether the new config was applied. */
  reload(): boolean {
    if (!this.file) return false;
    try {
      const file = readConfigFile(this.file, this.env);
      const next = withEnvLimits(file.routing ?? DEFAULT_ROUTING, this.env);
      if (JSON.stringify(next) === JSON.stringify(this.current)) return false;
      this.current = next;
      this.logger?.info({ file: this.file }, 'routing configuration reloaded');
      for (const fn of this.listeners) fn(next);
      return true;
    } catch (err) {
      this.logger?.error({ file: this.file, err: (err as Error).message }, 'routing configuration NOT reloaded: the file is invalid; the previous routing stays in force');
      return false;
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
