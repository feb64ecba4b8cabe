import { invalidRequestFromZod } from '../../gateway/core/zod-issues';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GatewayError } from '../../gateway/core/errors';
import type { TemporalAccess } from '../temporal-access';

const bodySchema = z.object({ name: z.string().min(1).max(200).default('circuit-breaker') }).default({ name: 'circuit-breaker' });

/**
 * `POST /v1/diagnostics/temporal-ping`: runs the smoke workflow (pingWorkflow → ping activity) on the
 * configured task queue and returns its answer and the run's link in the Temporal UI. Proves API → Temporal
 * → worker end to end.
 */
export function temporalPingHandler(deps: { temporal: TemporalAccess; taskQueue: string; namespace: string; uiUrl: string }) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = bodySchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequestFromZod(parsed.error, 'request');
    const client = await deps.temporal.getClient();
    const workflowId = `ping-${randomUUID()}`;
    const handle = await client.workflow.start('pingWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [parsed.data.name],
      workflowExecutionTimeout: '20s',
    });
    let result: unknown;
    try {
      result = await handle.result();
    } catch (err) {
      // By name: importing the class would load the Temporal SDK into every API process at start-up.
      if (!(err instanceof Error) || err.name !== 'WorkflowFailedError') throw err;
      throw new GatewayError({
        status: 504,
        type: 'timeout_error',
        code: 'workflow_failed',
        message: `The ping workflow ${workflowId} did not complete (${(err.cause as Error | undefined)?.message ?? err.message}). Is a worker polling task queue '${deps.taskQueue}'?`,
      });
    }
    res.json({
      workflowId,
      runId: handle.firstExecutionRunId,
      result,
      temporalUiUrl: `${deps.uiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    });
  };
}
