import type { Request, Response } from 'express';
import type { DependencyProbe } from '../dependency-probes';
import type { TemporalAccess } from '../temporal-access';

/** `GET /health`: liveness — the process answers. Never needs auth. */
export function healthHandler() {
  return (_req: Request, res: Response): void => {
    res.json({ status: 'ok' });
  };
}

/**
 * `GET /ready`: readiness, naming what is not ready. Completions never depend on Temporal, so a missing
 * Temporal makes the API `degraded` (200: keep it in rotation for completions) and lists what is affected;
 * `?strict=true` answers 503 unless everything is ready.
 */
export function readyHandler(deps: { temporal: TemporalAccess; providers: string[]; draining: () => boolean; probes?: readonly DependencyProbe[] }) {
  return async (req: Request, res: Response): Promise<void> => {
    const t = deps.temporal.status();
    const probes = deps.probes ?? [];
    const results = await Promise.all(probes.map(async (p) => ({ name: p.name, error: await p.check() })));
    const notReady: string[] = [];
    if (deps.draining()) notReady.push('api: shutting down');
    if (!t.ready) notReady.push(`temporal: not reachable at ${t.address}${t.error ? ` (${t.error})` : ''}; workflow routes answer 503 until it is back`);
    for (const r of results) if (r.error) notReady.push(`${r.name}: ${r.error}`);
    const status = deps.draining() ? 'shutting_down' : notReady.length === 0 ? 'ready' : 'degraded';
    const strict = req.query.strict === 'true' || req.query.strict === '1';
    res.status(status === 'shutting_down' || (strict && notReady.length > 0) ? 503 : 200).json({
      status,
      not_ready: notReady,
      checks: {
        completions: { ready: !deps.draining(), providers: deps.providers },
        temporal: { ready: t.ready, address: t.address, namespace: t.namespace, ...(t.error ? { error: t.error } : {}) },
        ...Object.fromEntries(results.map((r) => [r.name, { ready: r.error === undefined, ...(r.error ? { error: r.error } : {}) }])),
      },
    });
  };
}
