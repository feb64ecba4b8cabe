/**
 * Measurement primitives for `scripts/bench.ts`: autocannon runs (as a child process), precise sequential
 * latency and streaming time-to-first-token (undici, in-process, direct and gateway interleaved request by
 * request), RSS sampling from /proc and a CPU-profile summary. No process management here.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'undici';

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  const mean = s.length === 0 ? NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean };
}

export interface LoadResult {
  rps: number;
  /** autocannon's histogram has 1 ms resolution. */
  p50Ms: number;
  p99Ms: number;
  /** Little's law (connections / RPS): a mean latency with sub-ms precision. */
  meanMs: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
}

interface AutocannonJson {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number };
}

const AUTOCANNON_CLI = require.resolve('autocannon');

/** One autocannon run in its own process (`--json`), so the load generator never shares our event loop. */
export function autocannon(url: string, body: string, connections: number, durationS: number): Promise<LoadResult> {
  const args = [AUTOCANNON_CLI, '-n', '-j', '-c', String(connections), '-d', String(durationS), '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-H', 'authorization=Bearer bench', '-b', body, url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child.pid ?? -1);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      liveChildren.delete(child.pid ?? -1);
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      try {
        const r = JSON.parse(out) as AutocannonJson;
        const ok = r['2xx'];
        const rps = ok / r.duration;
        resolve({ rps, p50Ms: r.latency.p50, p99Ms: r.latency.p99, meanMs: (connections / rps) * 1000, ok, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, durationS: r.duration });
      } catch (e) {
        reject(new Error(`autocannon output was not JSON: ${(e as Error).message}: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** Pids of running autocannon children, so the bench can kill them on Ctrl-C. */
export const liveChildren = new Set<number>();

export interface Target {
  name: string;
  client: Client;
  path: string;
}

export function target(name: string, baseUrl: string): Target {
  const u = new URL(baseUrl);
  return { name, client: new Client(u.origin, { pipelining: 1, keepAliveTimeout: 120_000 }), path: `${u.pathname.replace(/\/$/, '')}/chat/completions` };
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer bench' };

/** One non-streaming request; resolves with the body text (throws on a non-2xx status). */
export async function post(t: Target, body: string): Promise<string> {
  const res = await t.client.request({ path: t.path, method: 'POST', headers: HEADERS, body });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return text;
}

/**
 * c=1 latency: requests alternate between the targets one by one (A, B, A, B, …) for `durationMs`, so both
 * see the same machine noise. Timed with performance.now() around the whole request + body read.
 */
export async function sequentialLatency(targets: readonly Target[], body: string, durationMs: number): Promise<number[][]> {
  const samples = targets.map((): number[] => []);
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    for (const [i, t] of targets.entries()) {
      const t0 = performance.now();
      await post(t, body);
      samples[i]?.push(performance.now() - t0);
    }
  }
  return samples;
}

export interface StreamTiming {
  ttftMs: number;
  totalMs: number;
  contentChunks: number;
}

/** One streaming request: time to the first `data:` event with non-empty delta content, and to the end. */
export async function streamTiming(t: Target, body: string): Promise<StreamTiming> {
  const t0 = performance.now();
  const res = await t.client.request({ path: t.path, method: 'POST', headers: HEADERS, body });
  if (res.statusCode !== 200) throw new Error(`${t.name}: streaming HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
  let ttftMs = NaN;
  let contentChunks = 0;
  let pending = '';
  let done = false;
  for await (const chunk of res.body) {
    pending += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      if (hasContent(data)) {
        contentChunks++;
        if (Number.isNaN(ttftMs)) ttftMs = performance.now() - t0;
      }
    }
  }
  const totalMs = performance.now() - t0;
  if (Number.isNaN(ttftMs) || !done) throw new Error(`${t.name}: stream ended without ${done ? 'content' : '[DONE]'}`);
  return { ttftMs, totalMs, contentChunks };
}

function hasContent(data: string): boolean {
  const j = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
  const c = j.choices?.[0]?.delta?.content;
  return typeof c === 'string' && c.length > 0;
}

/** `n` streaming requests per target, interleaved request by request. */
export async function ttftRun(targets: readonly Target[], body: string, n: number): Promise<StreamTiming[][]> {
  const out = targets.map((): StreamTiming[] => []);
  for (let k = 0; k < n; k++) {
    for (const [i, t] of targets.entries()) out[i]?.push(await streamTiming(t, body));
  }
  return out;
}

/** VmRSS of a process in MB (from /proc; undefined once it is gone or on a system without /proc). */
export function readRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `everyMs` until stopped; `stop()` returns the peak. */
export function sampleRss(pid: number, everyMs = 200): { stop(): number } {
  let peak = readRssMb(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssMb(pid) ?? 0);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, readRssMb(pid) ?? 0);
    },
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  pct: number;
}

/** Self time per function and per package/area of a `.cpuprofile`, as % of non-idle samples. */
export function summarizeCpuProfile(file: string, top = 25): { busyMs: number; functions: ProfileRow[]; areas: ProfileRow[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    if (!f || f.functionName === '(idle)') return;
    busy += dt;
    const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
    const key = `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + dt);
    areas.set(areaOf(f.url, f.functionName), (areas.get(areaOf(f.url, f.functionName)) ?? 0) + dt);
  });
  const rows = (m: Map<string, number>, k: number): ProfileRow[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, ms]) => ({ name, selfMs: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy), functions: rows(fns, top), areas: rows(areas, 20) };
}

function areaOf(url: string, fn: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/dist\/([^/]+\/(?:[^/]+\/)?)/.exec(url);
  if (own?.[1]) return `dist/${own[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url === '' ? fn : url;
}

/** The newest `.cpuprofile` in `dir` written after `sinceMs` (undefined when there is none). */
export function newestProfile(dir: string, sinceMs: number): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  return files.filter((f) => statSync(f).mtimeMs >= sinceMs - 1000).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

export function formatProfile(file: string, label: string): string {
  const s = summarizeCpuProfile(file);
  const lines = [`\nGateway CPU profile ${label}: ${s.busyMs} ms busy (non-idle) over the whole run`, '\nSelf time by area:'];
  for (const a of s.areas) lines.push(`  ${a.pct.toFixed(1).padStart(5)} %  ${String(a.selfMs).padStart(7)} ms  ${a.name}`);
  lines.push('\nTop self-time functions:');
  for (const fn of s.functions) lines.push(`  ${fn.pct.toFixed(1).padStart(5)} %  ${String(fn.selfMs).padStart(7)} ms  ${fn.name}`);
  return `${lines.join('\n')}\n`;
}
