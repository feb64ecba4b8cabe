/**
 * Activities: the side-effecting half of workflows. Built by createActivities(deps) so that tests and
 * workers inject their own clock/logger (and later gateway, ledger, event bus).
 */

export interface ActivityLogger {
  info(msg: string): void;
}

export interface ActivityDeps {
  /** Current time; injected so tests can pin it. Default Date.now. */
  now?: () => number;
  logger?: ActivityLogger;
}

export function createActivities(deps: ActivityDeps = {}) {
  const now = deps.now ?? Date.now;
  return {
    /** Smoke activity: proves a worker is polling and can run activities. */
    async ping(name: string): Promise<string> {
      deps.logger?.info(`ping from ${name}`);
      return `pong: ${name} @ ${new Date(now()).toISOString()}`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
