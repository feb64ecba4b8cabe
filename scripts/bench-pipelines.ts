/**
 * Pipeline orchestration overhead (`npm run bench:pipelines`; also the last phase of `npm run bench`). Starts the fake
 * OpenAI upstream (bench-upstream.js, first token after 0 ms unless --first-token-ms), an in-memory headless Temporal
 * dev server on a free port (pipeline search attributes registered, as start.ts does) and the real system as a child,
 * `node dist/scripts/start.js` (worker + API; TEMPORAL_ADDRESS → that dev server). With a registered 4-agent linear
 * definition it measures the same 4 streaming calls made directly (each prompt built from the previous answer, as the
 * pipeline does) vs a pipeline run (POST instance → COMPLETION on its SSE stream), interleaved run by run: overhead =
 * p50 pipeline − p50 direct, target ≤ 150 ms; where the time goes (agent activity time from event timestamps, the
 * median run's Temporal history); and pipelines/s with 10 kept in flight.
 * Standalone: `node dist/scripts/bench-pipelines.js [--quick] [--runs N] [--duration S] [--concurrency N]
 * [--first-token-ms MS] [--out FILE]` writes data/bench-pipelines.json; exit 0 unless the bench itself failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection, type WorkflowHandle } from '@temporalio/client';
import { createParser } from 'eventsource-parser';
import { stats, target, type Target } from './bench-measure';
import { type DevServer, getFreePort, startDevServer } from '../temporal/dev-server';
import { PIPELINE_SEARCH_ATTRIBUTE_TYPES } from '../pipelines/definition/search-attributes';
import type { PipelineEvent } from '../pipelines/definition/types';
import { ensureTemporalCli } from '../temporal/temporal-cli';

const ROOT = path.resolve(__dirname, '..', '..');
const DEF_ID = 'bench_pipeline_4';
const AGENTS = ['a1', 'a2', 'a3', 'a4'];
const SYSTEM = 'You are concise.';
const MAX_TOKENS = 64;
const TARGET_MS = 150;
const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-not-a-real-key' };
const userPrompt = (i: number, topic: string, prev: string): string => (i === 0 ? `Write one sentence about ${topic}.` : `Improve this sentence: ${prev}`);
const DEFINITION = { id: DEF_ID, name: 'Bench: 4 agents in a line', steps: AGENTS.map((agent) => ({ agent })), agents: AGENTS.map((id, i) => ({ id, role: `step ${i + 1}`, model: 'openai/gpt-4o-mini', max_tokens: MAX_TOKENS, prompts: { system: SYSTEM, user_template: userPrompt(i, '{topic}', `{outputs.${AGENTS[i - 1]}}`) } })) };

/** runs: sequential runs of each kind (default 20, quick 5); durationS: throughput phase (default 10 s, quick 3 s). */
export type PipelinePhaseOptions = { quick?: boolean; runs?: number; durationS?: number; concurrency?: number; firstTokenMs?: number; log?: (msg: string) => void };

/** From one run's Temporal history: first → last event, task counts, Σ queue (scheduled → started) and Σ run (started → completed). */
type HistoryBreakdown = Record<'spanMs' | 'workflowTasks' | 'wftQueueMs' | 'wftRunMs' | 'activities' | 'activityQueueMs' | 'activityRunMs', number>;
export type PipelinePhaseResult = Awaited<ReturnType<typeof pipelinePhase>>;
type Kid = { child: ChildProcess; match: RegExpExecArray };
const r2 = (n: number): number => Math.round(n * 100) / 100;

/** Spawns a node child; resolves at the first stdout match of `ready` (rejects on early exit or timeout). */
function spawnNode(kids: Set<ChildProcess>, name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<Kid> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  kids.add(child);
  child.on('exit', () => kids.delete(child));
  const tail: string[] = [];
  let out: string | undefined = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => reject(new Error(`${name} ${why}:\n${tail.join('\n')}`));
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const keep = (b: Buffer): void => void tail.splice(0, Math.max(0, tail.push(...b.toString().split('\n').filter(Boolean)) - 40));
    child.stderr?.on('data', keep);
    child.stdout?.on('data', (b: Buffer) => {
      keep(b);
      const match = out === undefined ? null : ready.exec((out += b.toString()));
      if (!match) return;
      out = undefined; // matched: stop collecting
      clearTimeout(timer);
      resolve({ child, match });
    });
    child.once('exit', (code, sig) => void [clearTimeout(timer), fail(`exited (${code ?? sig})`)]);
  });
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => resolve(clearTimeout(timer)));
    child.kill('SIGTERM');
  });
}

async function waitReady(api: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown = 'no answer';
  for (; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    last = await fetch(`${api}/ready`).then((r) => r.json() as Promise<unknown>).catch((err: Error) => err.message);
    if (typeof last === 'object' && last !== null && (last as { status?: string }).status === 'ready') return;
  }
  throw new Error(`${api}/ready not "ready" within ${timeoutMs} ms (last answer: ${JSON.stringify(last)})`);
}

/** One streaming chat call straight to the upstream; resolves with the concatenated content. */
async function chat(t: Target, body: string): Promise<string> {
  const res = await t.client.request({ path: t.path, method: 'POST', headers: JSON_HEADERS, body });
  if (res.statusCode !== 200) throw new Error(`direct: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
  let text = '';
  const delta = (data: string): string => (JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '';
  const parser = createParser({ onEvent: (m) => void (text += m.data === '[DONE]' ? '' : delta(m.data)) });
  for await (const chunk of res.body) parser.feed((chunk as Buffer).toString('utf8'));
  return text;
}

/** The 4 calls the pipeline makes, sequentially, each prompt built from the previous answer. */
async function directRun(t: Target, topic: string): Promise<number> {
  const t0 = performance.now();
  let prev = '';
  for (let i = 0; i < AGENTS.length; i++) {
    const messages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: userPrompt(i, topic, prev) }];
    prev = await chat(t, JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true }, max_tokens: MAX_TOKENS }));
  }
  return performance.now() - t0;
}

type PipelineRun = { id: string; totalMs: number; startMs: number; events: PipelineEvent[] };
/** Starts an instance through the API and follows its SSE stream until COMPLETION (token deltas are not kept). */
async function pipelineRun(api: string, topic: string, timeoutMs = 60_000): Promise<PipelineRun> {
  const t0 = performance.now();
  const res = await fetch(`${api}/v1/workflows/${DEF_ID}/instances`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ initialData: { topic } }) });
  const { id } = (await res.json()) as { id?: string };
  if (res.status !== 201 || !id) throw new Error(`start: HTTP ${res.status}`);
  const startMs = performance.now() - t0;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`instance ${id}: no COMPLETION within ${timeoutMs} ms`)), timeoutMs);
  const events: PipelineEvent[] = [];
  let outcome: string | undefined;
  try {
    const sse = await fetch(`${api}/v1/workflow-instances/${id}/stream`, { headers: { accept: 'text/event-stream', authorization: JSON_HEADERS.authorization }, signal: abort.signal });
    if (!sse.ok || !sse.body) throw new Error(`stream: HTTP ${sse.status}`);
    const parser = createParser({
      onEvent: (m) => {
        const e = JSON.parse(m.data) as PipelineEvent;
        if (outcome !== undefined || e.type === 'AGENT_CONTENT') return;
        if (m.event === 'end') outcome = `ended without COMPLETION: ${m.data}`;
        else events.push(e);
        if (e.type === 'COMPLETION' || e.type === 'FAILED') outcome = e.type === 'COMPLETION' ? 'completed' : `failed: ${e.error}`;
      },
    });
    const reader = sse.body.getReader();
    const decoder = new TextDecoder();
    while (outcome === undefined) {
      const r = await reader.read();
      if (r.done) break;
      parser.feed(decoder.decode(r.value, { stream: true }));
    }
    const totalMs = performance.now() - t0;
    if (outcome !== 'completed') throw new Error(`instance ${id}: ${outcome ?? 'stream ended without COMPLETION'}`);
    return { id, totalMs, startMs, events };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Σ (AGENT_COMPLETED.at − AGENT_THINKING.at): time inside the callAgent activities (worker clock, ms resolution). */
function agentMs(events: readonly PipelineEvent[]): number {
  const at = (type: string, id: string): number => Date.parse(events.find((e) => e.type === type && 'agentId' in e && e.agentId === id)?.at ?? '');
  return AGENTS.reduce((sum, id) => sum + at('AGENT_COMPLETED', id) - at('AGENT_THINKING', id), 0);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
async function historyBreakdown(client: TemporalClient, id: string): Promise<HistoryBreakdown> {
  const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const ms = (e: HistoryEvent): number => (e.eventTime ? Number(e.eventTime.seconds ?? 0) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN);
  const timeOf = new Map(events.map((e) => [String(e.eventId), ms(e)]));
  const since = (ref: unknown, e: HistoryEvent): number => ms(e) - (timeOf.get(String(ref)) ?? NaN);
  const b: HistoryBreakdown = { spanMs: ms(events.at(-1) ?? {}) - ms(events[0] ?? {}), workflowTasks: 0, wftQueueMs: 0, wftRunMs: 0, activities: 0, activityQueueMs: 0, activityRunMs: 0 };
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) {
      b.workflowTasks++;
      b.wftQueueMs += since(e.workflowTaskStartedEventAttributes.scheduledEventId, e);
    } else if (e.workflowTaskCompletedEventAttributes) b.wftRunMs += since(e.workflowTaskCompletedEventAttributes.startedEventId, e);
    else if (e.activityTaskStartedEventAttributes) {
      b.activities++;
      b.activityQueueMs += since(e.activityTaskStartedEventAttributes.scheduledEventId, e);
    } else if (e.activityTaskCompletedEventAttributes) b.activityRunMs += since(e.activityTaskCompletedEventAttributes.startedEventId, e);
  }
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, r2(v)])) as HistoryBreakdown;
}

export async function pipelinePhase(opts: PipelinePhaseOptions = {}) {
  const quick = opts.quick ?? false;
  const o = { runs: opts.runs ?? (quick ? 5 : 20), durationS: opts.durationS ?? (quick ? 3 : 10), concurrency: opts.concurrency ?? 10, firstTokenMs: opts.firstTokenMs ?? 0, quick };
  const log = opts.log ?? ((msg: string): void => void process.stderr.write(`[bench-pipelines] ${msg}\n`));
  const loadBefore = os.loadavg()[0] ?? 0;
  const kids = new Set<ChildProcess>();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cb-bench-pipelines-'));
  const cleanUp = (): void => void [kids.forEach((c) => c.kill('SIGKILL')), rmSync(dataDir, { recursive: true, force: true })];
  process.on('exit', cleanUp); // Ctrl-C → process.exit → no orphans, no temp dir (the dev server has its own exit hook)
  let [dev, app, up, connection, direct]: [DevServer?, Kid?, Kid?, Connection?, Target?] = [];
  try {
    up = await spawnNode(kids, 'upstream', [path.join(__dirname, 'bench-upstream.js'), '--first-token-ms', String(o.firstTokenMs)], { PATH: process.env.PATH }, /\{"port":(\d+)\}/, 10_000);
    const upstreamUrl = `http://127.0.0.1:${up.match[1]}/v1`;
    dev = await startDevServer({ cliPath: await ensureTemporalCli(), port: await getFreePort(), headless: true, searchAttributes: PIPELINE_SEARCH_ATTRIBUTE_TYPES });
    const port = await getFreePort();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_ADDRESS: dev.address, OPENAI_API_KEY: 'sk-bench-not-a-real-key', OPENAI_BASE_URL: upstreamUrl, CB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    app = await spawnNode(kids, 'start.js', [path.join(__dirname, 'start.js')], env, /Circuit Breaker is running/, 120_000);
    const api = `http://127.0.0.1:${port}`;
    await waitReady(api, 60_000);
    log(`upstream ${upstreamUrl} (first token after ${o.firstTokenMs} ms) · Temporal dev server ${dev.address} (in memory) · start.js ${api} (pid ${app.child.pid})`);
    if (loadBefore > 0.7) log(`WARNING: the machine is already busy (1-min load ${loadBefore.toFixed(2)}): expect noisy numbers`);
    const reg = await fetch(`${api}/v1/workflow-definitions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(DEFINITION) });
    if (reg.status !== 201) throw new Error(`registering the definition: HTTP ${reg.status}: ${(await reg.text()).slice(0, 300)}`);
    connection = await Connection.connect({ address: dev.address });
    direct = target('direct', upstreamUrl);
    for (let i = 0; i < 3; i++) await Promise.all([directRun(direct, 'warm-up'), pipelineRun(api, 'warm-up')]);
    log(`sequential: ${o.runs} direct runs and ${o.runs} pipeline runs, interleaved`);
    const [directMs, runs]: [number[], PipelineRun[]] = [[], []];
    for (let i = 0; i < o.runs; i++) {
      directMs.push(await directRun(direct, `topic ${i}`));
      runs.push(await pipelineRun(api, `topic ${i}`));
    }
    const [d, p] = [stats(directMs), stats(runs.map((r) => r.totalMs))];
    const median = [...runs].sort((a, b) => a.totalMs - b.totalMs)[Math.ceil(runs.length / 2) - 1];
    const history = median && (await historyBreakdown(new TemporalClient({ connection }), median.id).catch((err: unknown) => void log(`history of ${median.id}: ${String(err)}`)));
    log(`throughput: ${o.concurrency} pipelines in flight for ${o.durationS} s`);
    const e2e: number[] = [];
    let failed = 0;
    const t0 = performance.now();
    const loop = async (w: number): Promise<void> => {
      for (let k = 0; performance.now() < t0 + o.durationS * 1000; k++) {
        const r = await pipelineRun(api, `load ${w}.${k}`, 120_000).catch((err: Error) => err);
        if (!(r instanceof Error)) e2e.push(r.totalMs);
        else if (++failed > 3) throw r;
        else log(`throughput run failed: ${r.message}`);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, (_, w) => loop(w)));
    const wallS = (performance.now() - t0) / 1000;
    const overhead = p.p50 - d.p50;
    const result = {
      generatedAt: new Date().toISOString(),
      machine: { node: process.version, cpus: os.cpus().length, loadAvg1Before: r2(loadBefore), loadAvg1After: r2(os.loadavg()[0] ?? 0) },
      options: o,
      method: 'direct: 4 streaming calls (undici) to the fake upstream, each prompt from the previous answer; pipeline: POST /v1/workflows/:id/instances → COMPLETION on its SSE stream; interleaved run by run. start.js (worker + API, LOG_LEVEL=warn) against an in-memory dev server.',
      direct: d,
      pipeline: p,
      /** The POST start answered; time inside the 4 callAgent activities (Σ AGENT_THINKING → AGENT_COMPLETED). */
      startRequest: stats(runs.map((r) => r.startMs)),
      agentActivityMs: stats(runs.map((r) => agentMs(r.events))),
      overheadMs: r2(overhead),
      overheadPerStepMs: r2(overhead / AGENTS.length),
      medianRunHistory: history || undefined, // HistoryBreakdown of the median run
      throughput: { concurrency: o.concurrency, durationS: r2(wallS), completed: e2e.length, failed, pipelinesPerSecond: r2(e2e.length / wallS), endToEnd: stats(e2e) },
      targets: [{ name: '4-agent pipeline overhead (p50)', value: r2(overhead), unit: 'ms', target: `<= ${TARGET_MS} ms`, pass: overhead <= TARGET_MS }] as Array<{ name: string; value: number; unit: string; target: string; pass: boolean }>,
    };
    printTable(result);
    return result;
  } finally {
    await direct?.client.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    if (app) await stopChild(app.child, 15_000);
    await dev?.stop(5_000);
    if (up) await stopChild(up.child, 5_000);
    cleanUp();
    process.off('exit', cleanUp);
  }
}

function printTable(r: PipelinePhaseResult): void {
  const f = (n: number | undefined, dp = 1): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(dp) : 'n/a');
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(46) : c.padStart(14))).join('  ');
  const [t, h, tp] = [r.targets[0], r.medianRunHistory, r.throughput];
  const lines = [
    `\nPipelines bench — a 4-agent linear pipeline (start.js: API + worker; in-memory Temporal dev server) vs the same 4 streaming calls made directly; fake upstream, first token after ${r.options.firstTokenMs} ms; ${r.machine.cpus} cores shared by everything`,
    '',
    row(['metric', 'direct', 'pipeline', 'pipeline − direct', 'target']),
    row([`4 calls, p50 of ${r.direct.n} (ms)`, f(r.direct.p50), f(r.pipeline.p50), `+${f(r.overheadMs)}`, t ? `${t.target}  ${t.pass ? 'PASS' : 'MISS'}` : '']),
    row(['4 calls, p99 / mean (ms)', `${f(r.direct.p99)} / ${f(r.direct.mean)}`, `${f(r.pipeline.p99)} / ${f(r.pipeline.mean)}`, `+${f(r.pipeline.mean - r.direct.mean)} (mean)`]),
    row(['overhead per step (ms, p50)', '', '', `+${f(r.overheadPerStepMs)}`]),
    row(['  POST start answered (p50 ms)', '', f(r.startRequest.p50)]),
    row(['  inside the 4 agent activities (p50 ms)', '', f(r.agentActivityMs.p50)]),
    row(['  median run: history first → last event (ms)', '', f(h?.spanMs)]),
    row([`  … ${h?.workflowTasks ?? '?'} workflow tasks: queue / run (ms)`, '', `${f(h?.wftQueueMs)} / ${f(h?.wftRunMs)}`]),
    row([`  … ${h?.activities ?? '?'} activity tasks: queue / run (ms)`, '', `${f(h?.activityQueueMs)} / ${f(h?.activityRunMs)}`]),
    row([`throughput, ${tp.concurrency} in flight (pipelines/s)`, '', f(tp.pipelinesPerSecond, 2), '', '(informational)']),
    row([`  end-to-end at c=${tp.concurrency} p50 / p99 (ms)`, '', `${f(tp.endToEnd.p50, 0)} / ${f(tp.endToEnd.p99, 0)}`, `${tp.completed} ok, ${tp.failed} failed`]),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const str = (name: string): string | undefined => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
  const num = (name: string): number | undefined => (str(name) === undefined ? undefined : Number(str(name)));
  const done = (code: number, msg: string): void => void [process.stderr.write(`[bench-pipelines] ${msg}\n`), process.exit(code)];
  // process.exit runs the exit hooks, which kill start.js, the upstream and the dev server.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => done(130, `${sig}: stopping children`));
  const out = path.resolve(ROOT, str('out') ?? 'data/bench-pipelines.json');
  const opts = { quick: argv.includes('--quick'), runs: num('runs'), durationS: num('duration'), concurrency: num('concurrency'), firstTokenMs: num('first-token-ms') };
  const bad = Object.entries(opts).find(([, v]) => typeof v === 'number' && !(v >= 0));
  if (bad) done(2, `${bad[0]}: expected a number >= 0`);
  pipelinePhase(opts).then(
    (result) => {
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      done(0, `results written to ${path.relative(process.cwd(), out)}`);
    },
    (err: unknown) => done(1, `FAILED: ${err instanceof Error ? err.message : String(err)}`),
  );
}
