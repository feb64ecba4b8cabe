/**
 * Definitions that declare `schedule: { cron }` run as Temporal Schedules (`sched-<definitionId>`): created
 * when missing, updated in place when present (idempotent: every API process may sync at start), deleted
 * when the definition no longer has a schedule. Each scheduled run carries the definition version that was
 * current at sync time; Temporal appends the start time to the workflow id (`pl-<id>-sched-<time>`).
 */
import type { Client, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { memoFor } from './instance-view';
import { isNotFound } from './pipeline-errors';
import type { InitialDataCheck } from './pipeline-service';
import { pipelineSearchAttributes } from './definition/search-attributes';
import { PIPELINE_WORKFLOW, type PipelineWorkflow } from './definition/pipeline-messages';
import type { PipelineDefinition, PipelineInput } from './definition/types';

export const SCHEDULE_CALLER = 'schedule';

export function scheduleId(definitionId: string): string {
  return `sched-${definitionId}`;
}

export interface ScheduleSyncOptions {
  taskQueue: string;
  checkInitialData: InitialDataCheck;
  logger?: { info(msg: string): void; warn(msg: string): void };
}

export type ScheduleOutcome = 'created' | 'updated' | 'deleted' | 'unchanged' | 'invalid';

/** Makes Temporal's schedule for one definition match it. */
export async function syncSchedule(client: Client, def: PipelineDefinition, opts: ScheduleSyncOptions): Promise<ScheduleOutcome> {
  const id = scheduleId(def.id);
  const handle = client.schedule.getHandle(id);
  if (!def.schedule) {
    try {
      await handle.delete();
      opts.logger?.info(`Deleted schedule ${id} (definition ${def.id} has no schedule any more)`);
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'unchanged';
      throw err;
    }
  }
  const checked = opts.checkInitialData(def, def.schedule.initialData ?? {});
  if (!checked.ok) {
    opts.logger?.warn(`Schedule of ${def.id} v${def.version} not installed: its initialData is invalid (${checked.message})`);
    return 'invalid';
  }
  const input: PipelineInput = { definition: def, initialData: checked.data, caller: SCHEDULE_CALLER };
  const spec = { cronExpressions: [def.schedule.cron] };
  const action: ScheduleOptionsStartWorkflowAction<PipelineWorkflow> = {
    type: 'startWorkflow',
    workflowType: PIPELINE_WORKFLOW,
    workflowId: `pl-${def.id}-sched`,
    taskQueue: opts.taskQueue,
    args: [input],
    memo: { ...memoFor(def, SCHEDULE_CALLER) },
    typedSearchAttributes: pipelineSearchAttributes(def.id, SCHEDULE_CALLER, id),
  };
  try {
    await client.schedule.create({ scheduleId: id, spec, action, memo: { definitionId: def.id, version: def.version } });
    opts.logger?.info(`Created schedule ${id} (${def.schedule.cron})`);
    return 'created';
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'ScheduleAlreadyRunning') throw err;
  }
  await handle.update((prev) => ({ ...prev, spec, action }));
  return 'updated';
}

/** Syncs every definition's schedule; one failure is logged and does not stop the others. */
export async function syncSchedules(client: Client, defs: PipelineDefinition[], opts: ScheduleSyncOptions): Promise<Record<string, ScheduleOutcome | 'error'>> {
  const out: Record<string, ScheduleOutcome | 'error'> = {};
  for (const def of defs) {
    try {
      out[def.id] = await syncSchedule(client, def, opts);
    } catch (err) {
      out[def.id] = 'error';
      opts.logger?.warn(`Schedule sync of ${def.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}
