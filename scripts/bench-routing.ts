import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { autocannon, type LoadResult } from './bench-measure';

/**
 * Routing overhead: the same non-streaming load through a gateway configured with one provider and one key,
 * and through a gateway routing over 3 providers × 2 keys (load_balanced, health tracking, key rotation) —
 * all pointing at the same fake upstream, so only the routing work differs. Target: within 5 % (ratio ≥ 0.95).
 */
export interface RoutingPhaseResult {
  single: LoadResult;
  routed: LoadResult;
  ratio: number;
  runs: { single: LoadResult[]; routed: LoadResult[] };
}

export async function routingPhase(opts: {
  upstreamUrl: string;
  singleGatewayUrl: string;
  startGateway: (env: NodeJS.ProcessEnv) => Promise<{ url: string; stop(): Promise<void> }>;
  baseEnv: NodeJS.ProcessEnv;
  body: string;
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  log: (msg: string) => void;
}): Promise<RoutingPhaseResult> {
  const model = (JSON.parse(opts.body) as { model: string }).model;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-bench-routing-'));
  const file = path.join(dir, 'routing.yaml');
  const providers = ['p1', 'p2', 'p3']
    .map((name) => `  - { name: ${name}, kind: custom, base_url: "${opts.upstreamUrl}", api_keys: [${name}-key-a, ${name}-key-b], models: [${model}] }`)
    .join('\n');
  writeFileSync(file, `providers:\n${providers}\nrouting:\n  models:\n    ${model}:\n      models: [p1/${model}, p2/${model}, p3/${model}]\n      strategy: load_balanced\n`);
  const env: NodeJS.ProcessEnv = { ...opts.baseEnv, CB_CONFIG: file };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const routed = await opts.startGateway(env);
  try {
    const runs: RoutingPhaseResult['runs'] = { single: [], routed: [] };
    for (let round = 0; round < opts.rounds; round++) {
      for (const [name, url] of [['single', opts.singleGatewayUrl], ['routed', routed.url]] as const) {
        if (opts.warmupS > 0) await autocannon(`${url}/v1/chat/completions`, opts.body, opts.connections, opts.warmupS);
        const r = await autocannon(`${url}/v1/chat/completions`, opts.body, opts.connections, opts.durationS);
        runs[name].push(r);
        opts.log(`routing round ${round + 1} ${name === 'single' ? '1 provider × 1 key' : '3 providers × 2 keys'}: ${Math.round(r.rps)} RPS, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}`);
      }
    }
    const best = (xs: LoadResult[]): LoadResult => xs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const single = best(runs.single);
    const bestRouted = best(runs.routed);
    return { single, routed: bestRouted, ratio: bestRouted.rps / single.rps, runs };
  } finally {
    await routed.stop();
  }
}
