/**
 * `npm run bench`: gateway overhead against a fake OpenAI upstream, measured in one run on one machine.
 * Starts `dist/scripts/bench-upstream.js` and `dist/api/main.js` as child processes on free loopback ports,
 * then measures direct (bench → upstream) vs gateway (bench → gateway → upstream) with the same body:
 *   - c=50 throughput/latency with autocannon (child process), rounds alternate direct/gateway, best RPS kept;
 *   - c=1 latency and streaming TTFT with undici, direct and gateway interleaved request by request;
 *   - gateway VmRSS idle (before any request) and peak under the c=50 load.
 * Prints a table with PASS/MISS per target and writes data/bench-results.json. Exit 0 even when a target is
 * missed; non-zero only if the bench itself failed.
 *
 * Options (argv `--name value` or env BENCH_<NAME>): --quick, --c1-duration S, --c50-duration S, --warmup S,
 * --rounds N, --ttft-requests N, --connections N, --log-level L, --first-token-ms MS, --chunk-delay-ms MS,
 * --out FILE, --gateway-main FILE (A/B another entry point), --profile (gateway runs with --cpu-prof; prints the top self-time functions; results go to
 * data/bench-results-profile.json since the profiler slows the gateway), --skip-pipelines (skip the last phase: the pipeline
 * orchestration overhead of scripts/bench-pipelines.ts, written under `pipelines` in the JSON).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipelinePhase } from './bench-pipelines';
import { routingPhase } from './bench-routing';
import { autocannon, formatProfile, type LoadResult, liveChildren, newestProfile, post, readRssMb, sampleRss, sequentialLatency, stats, target, ttftRun } from './bench-measure';

const ROOT = path.resolve(__dirname, '..', '..');
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 32 });
const STREAM_BODY = JSON.stringify({ ...(JSON.parse(BODY) as object), stream: true });

export interface BenchOptions {
  c1S: number;
  c50S: number;
  warmupS: number;
  rounds: number;
  ttftRequests: number;
  connections: number;
  logLevel: string;
  firstTokenMs: number;
  chunkDelayMs: number;
  profile: boolean;
  quick: boolean;
  skipPipelines: boolean;
  /** The gateway entry point (default dist/api/main.js); any server printing `API on http://…` works (A/B). */
  gatewayMain: string;
  out: string;
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flag = (name: string): boolean => argv.includes(`--${name}`) || ['1', 'true'].includes(env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? '');
  const str = (name: string): string | undefined => {
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    if (eq) return eq.slice(name.length + 3);
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  };
  const num = (name: string, fallback: number): number => {
    const raw = str(name);
    const n = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got ${raw}`);
    return n;
  };
  const quick = flag('quick');
  const profile = flag('profile');
  return {
    c1S: num('c1-duration', quick ? 2 : 8),
    c50S: num('c50-duration', quick ? 3 : 10),
    warmupS: num('warmup', quick ? 1 : 2),
    rounds: Math.max(1, Math.floor(num('rounds', quick ? 1 : 2))),
    ttftRequests: Math.max(1, Math.floor(num('ttft-requests', quick ? 40 : 200))),
    connections: Math.max(1, Math.floor(num('connections', 50))),
    logLevel: str('log-level') ?? 'warn',
    firstTokenMs: num('first-token-ms', 20),
    chunkDelayMs: num('chunk-delay-ms', 0),
    profile,
    quick,
    skipPipelines: flag('skip-pipelines'),
    gatewayMain: path.resolve(ROOT, str('gateway-main') ?? 'dist/api/main.js'),
    out: path.resolve(ROOT, str('out') ?? (profile ? 'data/bench-results-profile.json' : 'data/bench-results.json')),
  };
}

const children = new Set<ChildProcess>();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** Spawns a node child and resolves with the first stdout match of `ready` (rejects on exit or timeout). */
function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; match: RegExpExecArray; tail: string[] }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tail: string[] = [];
  const keep = (b: Buffer): void => {
    tail.push(...b.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stderr?.on('data', keep);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${tail.join('\n')}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      keep(b);
      out += b.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData).on('data', keep);
        resolve({ child, match, tail });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (${code ?? sig}):\n${tail.join('\n')}`));
    });
  });
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${url}/health did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
  for (const pid of liveChildren) {
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

const r2 = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
const best = (runs: LoadResult[]): LoadResult => runs.reduce((a, b) => (b.rps > a.rps ? b : a));

async function main(o: BenchOptions): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const gatewayMain = o.gatewayMain;
  if (!existsSync(gatewayMain)) throw new Error(`${gatewayMain} is missing: run \`npm run build\` first`);
  const profileDir = path.join(ROOT, 'data', 'profiles');
  const upArgs = [path.join(__dirname, 'bench-upstream.js'), '--first-token-ms', String(o.firstTokenMs), '--chunk-delay-ms', String(o.chunkDelayMs)];
  const up = await startChild('upstream', upArgs, { PATH: process.env.PATH }, /\{"port":(\d+)\}/, 10_000);
  const upstreamUrl = `http://127.0.0.1:${up.match[1]}/v1`;
  const gwEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    OPENAI_API_KEY: 'sk-bench-not-a-real-key',
    OPENAI_BASE_URL: upstreamUrl,
    LOG_LEVEL: o.logLevel,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    CB_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'cb-bench-')),
  };
  if (o.profile) mkdirSync(profileDir, { recursive: true });
  const gwArgs = [...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), gatewayMain];
  const gw = await startChild('gateway', gwArgs, gwEnv, /API on (http:\/\/[^\s]+)/, 30_000);
  const gatewayUrl = gw.match[1] ?? '';
  await waitHealthy(gatewayUrl, 15_000);
  const pid = gw.child.pid ?? 0;
  log(`upstream ${upstreamUrl} · gateway ${gatewayUrl} (pid ${pid}, LOG_LEVEL=${o.logLevel}) · load average ${loadBefore.toFixed(2)}`);
  if (loadBefore > 0.7) log(`WARNING: the machine is already busy (1-min load ${loadBefore.toFixed(2)}): expect noisy numbers`);

  await sleep(3000);
  const idleMb = readRssMb(pid) ?? NaN;
  const direct = target('direct', upstreamUrl);
  const gateway = target('gateway', `${gatewayUrl}/v1`);
  const sanity = [await post(direct, BODY), await post(gateway, BODY)].map((t) => (JSON.parse(t) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content);
  if (sanity[0] !== sanity[1]) throw new Error(`gateway answer differs from upstream: ${JSON.stringify(sanity)}`);
  await ttftRun([direct, gateway], STREAM_BODY, 1);
  await sleep(1000);
  const idleAfterFirstMb = readRssMb(pid) ?? NaN;
  log(`idle RSS ${r2(idleMb, 1)} MB (before any request), ${r2(idleAfterFirstMb, 1)} MB (after the first requests)`);

  log(`c=1: warm-up ${o.warmupS} s, then ${o.c1S * 2} s interleaved (direct, gateway, direct, …)`);
  await sequentialLatency([direct, gateway], BODY, o.warmupS * 1000);
  const [c1Direct = [], c1Gateway = []] = await sequentialLatency([direct, gateway], BODY, o.c1S * 2000);
  const c1 = { direct: stats(c1Direct), gateway: stats(c1Gateway) };

  const runs: Record<'direct' | 'gateway', LoadResult[]> = { direct: [], gateway: [] };
  let peakMb = 0;
  for (let round = 0; round < o.rounds; round++) {
    for (const [name, url] of [['direct', `${upstreamUrl}/chat/completions`], ['gateway', `${gatewayUrl}/v1/chat/completions`]] as const) {
      const rss = name === 'gateway' ? sampleRss(pid, 200) : undefined;
      if (o.warmupS > 0) await autocannon(url, BODY, o.connections, o.warmupS);
      const r = await autocannon(url, BODY, o.connections, o.c50S);
      if (rss) peakMb = Math.max(peakMb, rss.stop());
      runs[name].push(r);
      log(`c=${o.connections} round ${round + 1} ${name}: ${Math.round(r.rps)} RPS, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
    }
  }
  const c50 = { direct: best(runs.direct), gateway: best(runs.gateway) };

  log(`streaming TTFT: ${o.ttftRequests} requests each, interleaved`);
  await ttftRun([direct, gateway], STREAM_BODY, Math.min(20, o.ttftRequests));
  const [tDirect = [], tGateway = []] = await ttftRun([direct, gateway], STREAM_BODY, o.ttftRequests);
  const ttft = { direct: stats(tDirect.map((t) => t.ttftMs)), gateway: stats(tGateway.map((t) => t.ttftMs)) };
  const streamTotal = { direct: stats(tDirect.map((t) => t.totalMs)), gateway: stats(tGateway.map((t) => t.totalMs)) };
  const afterLoadMb = readRssMb(pid) ?? NaN;
  await Promise.all([direct.client.close(), gateway.client.close()]);

  log(`routing: 1 provider × 1 key vs 3 providers × 2 keys (load_balanced), c=${o.connections}`);
  const routing = await routingPhase({
    upstreamUrl,
    singleGatewayUrl: gatewayUrl,
    baseEnv: gwEnv,
    body: BODY,
    connections: o.connections,
    durationS: o.c50S,
    warmupS: o.warmupS,
    rounds: o.rounds,
    log,
    startGateway: async (env) => {
      const child = await startChild('gateway-routed', [gatewayMain], env, /API on (http:\/\/[^\s]+)/, 30_000);
      const url = child.match[1] ?? '';
      await waitHealthy(url, 15_000);
      return { url, stop: () => stopChild(child.child, 15_000) };
    },
  });

  const ratio = c50.gateway.rps / c50.direct.rps;
  const addedP50 = c1.gateway.p50 - c1.direct.p50;
  const addedP99 = c1.gateway.p99 - c1.direct.p99;
  const addedTtft = ttft.gateway.p50 - ttft.direct.p50;
  const targets = [
    { name: `c=${o.connections} RPS gateway/direct`, value: r2(ratio * 100, 1), unit: '%', target: '>= 50 %', pass: ratio >= 0.5 },
    { name: 'c=1 added p50', value: r2(addedP50, 3), unit: 'ms', target: '<= 0.3 ms', pass: addedP50 <= 0.3 },
    { name: 'added TTFT p50', value: r2(addedTtft, 3), unit: 'ms', target: '<= 1 ms', pass: addedTtft <= 1 },
    { name: 'idle RSS', value: r2(idleMb, 1), unit: 'MB', target: '<= 80 MB', pass: idleMb <= 80 },
    { name: 'routing 3×2 / single RPS', value: r2(routing.ratio * 100, 1), unit: '%', target: '>= 95 %', pass: routing.ratio >= 0.95 },
  ];
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, loadAvg1Before: r2(loadBefore), loadAvg1After: r2(os.loadavg()[0] ?? 0) },
    gateway: { main: path.relative(ROOT, gatewayMain), logLevel: o.logLevel, profiled: o.profile },
    upstream: { chunks: 20, firstTokenMs: o.firstTokenMs, chunkDelayMs: o.chunkDelayMs },
    options: { ...o, gatewayMain: path.relative(ROOT, o.gatewayMain), out: path.relative(ROOT, o.out) },
    method: 'c=50: autocannon child, rounds alternate direct/gateway, best RPS of each kept (latency of that run, 1 ms resolution). c=1 and TTFT: undici in the bench process, direct and gateway interleaved request by request.',
    c50: { connections: o.connections, durationS: o.c50S, direct: c50.direct, gateway: c50.gateway, ratio: r2(ratio, 4), runs },
    c1: { direct: c1.direct, gateway: c1.gateway, addedP50Ms: r2(addedP50, 4), addedP99Ms: r2(addedP99, 4) },
    ttft: { direct: ttft.direct, gateway: ttft.gateway, addedP50Ms: r2(addedTtft, 4), addedP99Ms: r2(ttft.gateway.p99 - ttft.direct.p99, 4), streamTotal },
    routing: { single: routing.single, routed: routing.routed, ratio: r2(routing.ratio, 4), runs: routing.runs },
    rssMb: { idle: r2(idleMb, 1), idleAfterFirstRequests: r2(idleAfterFirstMb, 1), peakUnderLoad: r2(peakMb, 1), afterLoad: r2(afterLoadMb, 1) },
    targets,
  };
  printTable(o, results, c1, c50, ttft, { idleMb, idleAfterFirstMb, peakMb }, routing);
  let pipelineError: unknown;
  const pipelines = o.skipPipelines ? undefined : await pipelinePhase({ quick: o.quick, log }).catch((err: unknown) => ({ error: String((pipelineError = err)) }));
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(pipelines ? { ...results, pipelines } : results, null, 2)}\n`);
  log(`results written to ${path.relative(process.cwd(), o.out)}`);

  const started = Date.now();
  await Promise.all([stopChild(gw.child, 15_000), stopChild(up.child, 5000)]);
  if (o.profile) {
    const file = newestProfile(profileDir, started);
    if (file) process.stdout.write(formatProfile(file, path.relative(process.cwd(), file)));
    else log(`no .cpuprofile found in ${profileDir}`);
  }
  if (pipelineError) throw pipelineError;
}

type S = ReturnType<typeof stats>;
function printTable(o: BenchOptions, res: { targets: Array<{ name: string; value: number; unit: string; target: string; pass: boolean }> }, c1: Record<'direct' | 'gateway', S>, c50: Record<'direct' | 'gateway', LoadResult>, ttft: Record<'direct' | 'gateway', S>, rss: { idleMb: number; idleAfterFirstMb: number; peakMb: number }, routing: { single: LoadResult; routed: LoadResult; ratio: number }): void {
  const f = (n: number, d = 3): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(30) : c.padStart(12))).join(' ');
  const pf = (i: number): string => {
    const t = res.targets[i];
    return t ? `${t.target.padStart(10)}  ${t.pass ? 'PASS' : 'MISS'}` : '';
  };
  const lines = [
    '',
    `Circuit Breaker bench — gateway vs direct (fake upstream), measured in the same run; ${os.cpus().length} cores shared by load generator, gateway and upstream: read the ratios, not the absolutes.`,
    `gateway LOG_LEVEL=${o.logLevel}${o.profile ? ' (CPU-PROFILED: slower than normal)' : ''} · node ${process.version} · c=${o.connections}: best of ${o.rounds} round(s) × ${o.c50S} s (+${o.warmupS} s warm-up) · c=1: ${o.c1S * 2} s interleaved · TTFT: ${o.ttftRequests} streams each, first token after ${o.firstTokenMs} ms`,
    '',
    row(['metric', 'direct', 'gateway', 'gw − direct', 'target']),
    row([`c=${o.connections} RPS`, f(c50.direct.rps, 0), f(c50.gateway.rps, 0), `${f((c50.gateway.rps / c50.direct.rps) * 100, 1)} %`, pf(0)]),
    row([`c=${o.connections} p50 / p99 (ms, 1 ms res.)`, `${c50.direct.p50Ms} / ${c50.direct.p99Ms}`, `${c50.gateway.p50Ms} / ${c50.gateway.p99Ms}`, `+${c50.gateway.p50Ms - c50.direct.p50Ms} / +${c50.gateway.p99Ms - c50.direct.p99Ms}`]),
    row([`c=${o.connections} mean (ms, c/RPS)`, f(c50.direct.meanMs), f(c50.gateway.meanMs), `+${f(c50.gateway.meanMs - c50.direct.meanMs)}`]),
    row(['c=1 p50 (ms)', f(c1.direct.p50), f(c1.gateway.p50), `+${f(c1.gateway.p50 - c1.direct.p50)}`, pf(1)]),
    row(['c=1 p99 (ms)', f(c1.direct.p99), f(c1.gateway.p99), `+${f(c1.gateway.p99 - c1.direct.p99)}`]),
    row(['TTFT p50 (ms)', f(ttft.direct.p50), f(ttft.gateway.p50), `+${f(ttft.gateway.p50 - ttft.direct.p50)}`, pf(2)]),
    row(['TTFT p99 (ms)', f(ttft.direct.p99), f(ttft.gateway.p99), `+${f(ttft.gateway.p99 - ttft.direct.p99)}`]),
    row(['gateway RSS idle (MB)', '', f(rss.idleMb, 1), '', pf(3)]),
    row(['gateway RSS after 1st req (MB)', '', f(rss.idleAfterFirstMb, 1)]),
    row([`gateway RSS peak c=${o.connections} (MB)`, '', f(rss.peakMb, 1)]),
    row(['', '1 prov × 1 key', '3 prov × 2 keys', 'routed/single']),
    row([`routing c=${o.connections} RPS`, f(routing.single.rps, 0), f(routing.routed.rps, 0), `${f(routing.ratio * 100, 1)} %`, pf(4)]),
    '',
  ];
  const errs = c50.gateway.non2xx + c50.gateway.errors + c50.gateway.timeouts + c50.direct.non2xx + c50.direct.errors + c50.direct.timeouts;
  if (errs > 0) lines.push(`WARNING: ${errs} non-2xx/errors/timeouts in the kept c=${o.connections} runs (see the JSON)`, '');
  process.stdout.write(lines.join('\n'));
}

if (require.main === module) {
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) process.exit(130);
    signalled = true;
    log(`${sig}: stopping children`);
    killAll();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAll);
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    log((err as Error).message);
    process.exit(2);
  }
  main(options).then(
    () => process.exit(0),
    (err: unknown) => {
      log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
      killAll();
      process.exit(1);
    },
  );
}
