import type { Request, Response } from 'express';
import type { PipelineApi } from '../../../pipelines/pipeline-api';
import { SseResponse } from '../sse-response';
import { viewerOf } from '../../middleware/auth';
import { callerOf, intParam } from './request-helpers';

/**
 * `GET /v1/workflow-instances/:id/stream`: the instance's events as SSE — `id: <seq>`, `event: <TYPE>`,
 * `data: <event JSON>` — so EventSource clients can `addEventListener('AGENT_CONTENT', …)` and resume with
 * Last-Event-ID (or `?after=<seq>`). Replays what was missed, follows live, sends keep-alive comments, and
 * ends with `event: end` (`{status}`) after COMPLETION / FAILED / CANCELLED (pipelines/instance-events.ts).
 */
export function workflowStreamHandler(deps: { pipelines: PipelineApi; keepAliveMs: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const lastId = req.get('last-event-id');
    const afterSeq = intParam(lastId !== undefined && lastId !== '' ? lastId : req.query.after, lastId ? 'Last-Event-ID' : 'after') ?? -1;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    // Throws (404 unknown instance or another caller's, 503 Temporal down) before any byte of the stream is written.
    await deps.pipelines.service.status(String(req.params.id), viewerOf(callerOf(res.locals)));
    const feed = await deps.pipelines.feeds.open(String(req.params.id), afterSeq, abort.signal);
    const sse = new SseResponse(res, deps.keepAliveMs);
    try {
      await sse.write('retry: 2000\n\n');
      for await (const item of feed) {
        if (item.kind === 'event') {
          const e = item.event;
          await sse.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        } else {
          await sse.write(`event: end\ndata: ${JSON.stringify({ status: item.status })}\n\n`);
        }
        if (abort.signal.aborted) break;
      }
    } finally {
      sse.end();
    }
  };
}
