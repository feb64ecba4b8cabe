import { Router, type Request, type Response } from 'express';
import type { PipelineApi } from '../../../pipelines/pipeline-api';
import { intParam } from './request-helpers';

/**
 * Pipeline definitions (no Temporal needed): list, the published JSON Schema of the source format, get
 * (latest or `?version=`), and register a new version (YAML text or JSON body).
 */
export function definitionRoutes(pipelines: PipelineApi): Router {
  const { service } = pipelines;
  const r = Router();

  r.get('/workflow-definitions', async (_req: Request, res: Response) => {
    res.json({ object: 'list', data: await service.listDefinitions() });
  });

  r.get('/workflow-definitions/schema', (_req: Request, res: Response) => {
    res.json(pipelines.definitionJsonSchema());
  });

  r.get('/workflow-definitions/:id', async (req: Request, res: Response) => {
    res.json(await service.getDefinition(String(req.params.id), intParam(req.query.version, 'version')));
  });

  r.post('/workflow-definitions', async (req: Request, res: Response) => {
    const saved = await service.saveDefinition(req.body);
    res.status(201).json(saved);
  });
  return r;
}
