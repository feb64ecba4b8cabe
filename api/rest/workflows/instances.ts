import { Router, type Request, type Response } from 'express';
import type { PipelineApi } from '../../../pipelines/pipeline-api';
import { requireTemporal, type TemporalAccess } from '../../temporal-access';
import { viewerOf } from '../../middleware/auth';
import { baseUrlOf, callerOf, intParam, strParam } from './request-helpers';

/**
 * Pipeline instances: start (`POST /workflows/:workflowId/instances`, the path's `workflowId` being the
 * definition id), inspect, list (Temporal visibility), signal (answered at once: 200 taken, 400, 404, 409 not
 * waiting) and cancel. A run belongs to the caller that started it: another caller gets 404 (operators see all).
 * Thin: every rule lives in the pipeline service.
 */
export function instanceRoutes(pipelines: PipelineApi, temporal: TemporalAccess): Router {
  const { service } = pipelines;
  const r = Router();
  const guard = requireTemporal(temporal);

  r.post('/workflows/:workflowId/instances', guard, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { initialData?: unknown; version?: unknown };
    const version = intParam(typeof body.version === 'number' ? String(body.version) : (body.version ?? req.query.version), 'version');
    const started = await service.startInstance(String(req.params.workflowId), body.initialData ?? {}, callerOf(res.locals), {
      baseUrl: baseUrlOf(req),
      ...(version !== undefined ? { version } : {}),
    });
    res.status(201).json(started);
  });

  r.get('/workflow-instances', guard, async (req: Request, res: Response) => {
    const limit = intParam(req.query.limit, 'limit');
    const filter = {
      ...(strParam(req.query.status) ? { status: strParam(req.query.status) } : {}),
      ...(strParam(req.query.workflowId) ? { definitionId: strParam(req.query.workflowId) } : {}),
      ...(strParam(req.query.caller) ? { caller: strParam(req.query.caller) } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    const data = await service.listInstances(filter, { baseUrl: baseUrlOf(req) }, viewerOf(callerOf(res.locals)));
    res.json({ object: 'list', data });
  });

  r.get('/workflow-instances/:id', guard, async (req: Request, res: Response) => {
    res.json(await service.getInstance(String(req.params.id), { baseUrl: baseUrlOf(req) }, viewerOf(callerOf(res.locals))));
  });

  r.post('/workflow-instances/:id/signal', guard, async (req: Request, res: Response) => {
    res.status(200).json(await service.signal(String(req.params.id), req.body, viewerOf(callerOf(res.locals))));
  });

  r.post('/workflow-instances/:id/cancel', guard, async (req: Request, res: Response) => {
    res.status(202).json(await service.cancel(String(req.params.id), viewerOf(callerOf(res.locals))));
  });
  return r;
}
