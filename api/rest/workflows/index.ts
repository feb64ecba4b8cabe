import { Router } from 'express';
import type { PipelineApi } from '../../../pipelines/pipeline-api';
import { requireTemporal, type TemporalAccess } from '../../temporal-access';
import { workflowStreamHandler } from './instance-stream';
import { definitionRoutes } from './definitions';
import { instanceRoutes } from './instances';

export { hookRoutes } from './hooks';

/** Every pipeline route under /v1 except hooks (which are mounted ahead of bearer auth). */
export function workflowRoutes(pipelines: PipelineApi, temporal: TemporalAccess, sseKeepAliveMs: number): Router {
  const r = Router();
  r.use(definitionRoutes(pipelines));
  r.get('/workflow-instances/:id/stream', requireTemporal(temporal), workflowStreamHandler({ pipelines, keepAliveMs: sseKeepAliveMs }));
  r.use(instanceRoutes(pipelines, temporal));
  return r;
}
