import type { Client } from '@temporalio/client';
import type { NextFunction, Request, Response } from 'express';
import { ApiErrors } from './api-error';

/** What the API needs of the Temporal connection (temporal/connection.ts's TemporalClientManager fits it). */
export interface TemporalAccess {
  status(): { ready: boolean; address: string; namespace: string; error?: string };
  getClient(): Client | Promise<Client>;
}

/** Guards routes that need Temporal: 503 with a clear message while it is unreachable. */
export function requireTemporal(temporal: TemporalAccess) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const s = temporal.status();
    if (!s.ready) return next(ApiErrors.temporalUnavailable(`${s.address}${s.error ? ` (${s.error})` : ''}`));
    res.locals.temporal = temporal;
    next();
  };
}
