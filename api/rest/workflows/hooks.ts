import { Router, type Request, type Response } from 'express';
import type { PipelineApi } from '../../../pipelines/pipeline-api';
import { ApiErrors } from '../../api-error';
import { rawBody } from '../../body';
import type { createTokenCheck } from '../../middleware/auth';
import { requireTemporal, type TemporalAccess } from '../../temporal-access';
import { baseUrlOf } from './request-helpers';

/**
 * `POST /hooks/:name`: starts the hook's definition from an external event. Mounted ahead of bearer auth:
 * a hook with `secret_env` authenticates by its own secret (token header or HMAC of the raw body, which is
 * why the body is read raw here); a hook without one still needs the API's bearer token.
 */
export function hookRoutes(pipelines: PipelineApi, temporal: TemporalAccess, checkToken: ReturnType<typeof createTokenCheck>, bodyLimit: string): Router {
  const r = Router();
  // Only POST is ours to answer before bearer auth; anything else (an OPTIONS probe included) goes on to it.
  r.options('/hooks/:name', (_req, _res, next) => next('router'));
  r.post(
    '/hooks/:name',
    (req: Request, res: Response, next) => {
      const name = String(req.params.name);
      if (pipelines.hooks.hasSecret(name)) {
        res.locals.caller = `hook:${name}`;
        return next();
      }
      const caller = checkToken(req.headers.authorization);
      if (caller === undefined) return next(ApiErrors.unauthorized());
      res.locals.caller = caller;
      next();
    },
    rawBody(bodyLimit),
    requireTemporal(temporal),
    async (req: Request, res: Response) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const started = await pipelines.hooks.trigger(
        String(req.params.name),
        { rawBody, headers: req.headers, query: req.query as Record<string, unknown> },
        String(res.locals.caller),
        { baseUrl: baseUrlOf(req) },
      );
      res.status(201).json(started);
    },
  );
  return r;
}
