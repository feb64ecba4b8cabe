import type { Request, Response } from 'express';
import type { GatewayRuntime } from '../../gateway/routing/gateway-runtime';

/**
 * `GET /v1/providers`: each configured provider with its keys (masked: state, rate-limit and auth status)
 * and every model target the router has used (circuit state, error rate, latency EWMA / p95, TTFT, last
 * failure). Never shows a key.
 */
export function providersHandler(runtime: GatewayRuntime) {
  return (_req: Request, res: Response): void => {
    res.json({ object: 'list', data: runtime.report() });
  };
}
