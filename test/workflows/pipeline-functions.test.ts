import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FunctionRegistry } from '../../activities/functions/function-registry';
import type { FunctionContext } from '../../activities/functions/function-types';
import { allowlistedFetch, hostAllowed } from '../../activities/functions/http-request';
import type { JsonObject } from '../../pipelines/definition/types';
import { REPO_ROOT } from '../helpers/child-process';

/** The built-in pipeline functions and user-function loading, against a real local HTTP server. */

let server: http.Server;
let base: string;
let host: string;

/** A one-page PDF saying `text` (Helvetica, uncompressed). */
function pdf(text: string): Buffer {
  const stream = `BT /F1 18 Tf 20 100 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, got: Buffer.concat(chunks).toString('utf8'), auth: req.headers.authorization ?? null }));
      } else if (url === '/page') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body><h1>Title</h1><p>Hello <b>world</b>.</p><script>x()</script></body></html>');
      } else if (url === '/doc.pdf') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end(pdf('Quarterly report'));
      } else if (url === '/away') {
        res.writeHead(302, { location: 'http://example.invalid/elsewhere' });
        res.end();
      } else if (url === '/to-internal') {
        res.writeHead(302, { location: `http://127.0.0.2:${(server.address() as AddressInfo).port}/json` });
        res.end();
      } else if (url === '/busy') {
        res.writeHead(503, { 'retry-after': '2' });
        res.end('busy');
      } else {
        res.writeHead(404);
        res.end('nope');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function ctx(allowlist: string[], data: FunctionContext['data'] = { input: {}, outputs: {} }): FunctionContext {
  const signal = new AbortController().signal;
  return { instanceId: 'i1', step: 's1', data, signal, heartbeat: () => undefined, fetch: allowlistedFetch({ httpAllowlist: allowlist }, signal) };
}

async function run(registry: FunctionRegistry, name: string, input: JsonObject, c: FunctionContext): Promise<unknown> {
  const fn = registry.get(name);
  if (!fn) throw new Error(`no ${name}`);
  return await fn.run(input, c);
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('the allowlist: exact hosts, host:port, wildcards; nothing by default', () => {
  const u = new URL('https://api.example.com:8443/x');
  expect(hostAllowed(u, [])).toBe(false);
  expect(hostAllowed(u, ['api.example.com'])).toBe(false); // an entry without a port means the scheme's default port only
  expect(hostAllowed(new URL('https://api.example.com/x'), ['api.example.com'])).toBe(true);
  expect(hostAllowed(new URL('http://api.example.com/x'), ['api.example.com:80'])).toBe(true);
  expect(hostAllowed(u, ['api.example.com:8443'])).toBe(true);
  expect(hostAllowed(u, ['api.example.com:9999'])).toBe(false);
  expect(hostAllowed(u, ['*.example.com:8443'])).toBe(true);
  expect(hostAllowed(u, ['*.example.com'])).toBe(false);
  expect(hostAllowed(new URL('https://evilexample.com/'), ['*.example.com'])).toBe(false);
});

test('http_request: JSON in and out on an allowlisted host; refusals and status classes', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [host] });
  const c = ctx([host]);
  const out = (await run(r, 'http_request', { method: 'post', url: `${base}/json`, headers: { authorization: 'Bearer t' }, body: { a: 1 } }, c)) as { status: number; body: unknown };
  expect(out.status).toBe(200);
  expect(out.body).toEqual({ method: 'POST', got: '{"a":1}', auth: 'Bearer t' });

  const denied = await failure(run(r, 'http_request', { url: `${base}/json` }, ctx([])));
  expect(denied).toMatchObject({ type: 'HostNotAllowed', nonRetryable: true });
  const redirected = await failure(run(r, 'http_request', { url: `${base}/away` }, c));
  expect(redirected.type).toBe('HostNotAllowed');
  expect(redirected.message).toContain("host 'example.invalid'");
  expect(await failure(run(r, 'http_request', { url: `${base}/missing` }, c))).toMatchObject({ type: 'NotFound', nonRetryable: true });
  const busy = await failure(run(r, 'http_request', { url: `${base}/busy` }, c));
  expect(busy).toMatchObject({ type: 'HttpError', nonRetryable: false, nextRetryDelay: 2000 });
  expect(await failure(run(r, 'http_request', { url: 'file:///etc/passwd' }, c))).toMatchObject({ type: 'InvalidRequest' });
});

test('internal addresses are refused unless listed as that address: names resolving there, mapped IPv6, redirect hops', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [] });
  const port = (server.address() as AddressInfo).port;
  const refused = async (url: string, allowlist: string[]): Promise<ApplicationFailure> => failure(run(r, 'http_request', { url }, ctx(allowlist)));
  // A name the operator allowed, resolving to loopback, is refused at connect time (the DNS answer is what is checked).
  expect(await refused(`http://localhost:${port}/json`, [`localhost:${port}`])).toMatchObject({ type: 'HostNotAllowed', nonRetryable: true, message: expect.stringContaining('internal address') });
  // An internal literal is refused unless that very address is listed, in every spelling.
  expect(await refused(`http://127.0.0.1:${port}/json`, [`*:${port}`])).toMatchObject({ type: 'HostNotAllowed', message: expect.stringContaining('127.0.0.1 is an internal address') });
  expect(await refused(`http://[::ffff:127.0.0.1]:${port}/json`, [`*:${port}`])).toMatchObject({ type: 'HostNotAllowed' });
  expect(await refused(`http://127.0.0.2:${port}/json`, ['127.0.0.3', `*:${port}`])).toMatchObject({ type: 'HostNotAllowed' }); // another listed address does not help
  // A redirect from a listed internal address to another internal one: the hop is refused too.
  expect(await refused(`${base}/to-internal`, [host, `*:${port}`])).toMatchObject({ type: 'HostNotAllowed', message: expect.stringContaining('127.0.0.2 is an internal address') });
  // Listed as that address, it is reachable (the operator said so).
  expect(await run(r, 'http_request', { url: `${base}/json` }, ctx([host]))).toMatchObject({ status: 200 });
});

test('extract_text: plain text and HTML (inline and by URL)', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [host] });
  const c = ctx([host]);
  expect(await run(r, 'extract_text', { text: 'just text' }, c)).toEqual({ text: 'just text', format: 'text', chars: 9 });
  const html = (await run(r, 'extract_text', { html: '<h1>Hi</h1><p>there <a href="http://x">link</a></p>' }, c)) as { text: string };
  expect(html.text).toBe('HI\n\nthere link');
  const page = (await run(r, 'extract_text', { url: `${base}/page` }, c)) as { text: string; format: string };
  expect(page).toMatchObject({ format: 'html' });
  expect(page.text).toContain('Hello world.');
  expect(page.text).not.toContain('x()');
  expect(await failure(run(r, 'extract_text', {}, c))).toMatchObject({ type: 'InvalidRequest' });
});

/**
 * PDF.js is loaded by a dynamic import() that jest's module sandbox refuses, so the PDF cases run the compiled
 * function (dist/, built by `npm test`'s pretest) in a plain Node process, as the worker does.
 */
test('extract_text: PDF from base64 data and from an allowlisted URL (compiled, in plain Node)', async () => {
  const entry = path.join(REPO_ROOT, 'dist/activities/functions/extract-text.js');
  if (!fs.existsSync(entry)) throw new Error('dist/ is missing: run `npm run -s build` first (npm test does)');
  const script = `
    const { extractTextFunction } = require(${JSON.stringify(entry)});
    const { allowlistedFetch } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/activities/functions/http-request.js'))});
    const signal = new AbortController().signal;
    const ctx = { instanceId: 'i', step: 's', data: { input: {}, outputs: {} }, signal, heartbeat() {}, fetch: allowlistedFetch({ httpAllowlist: [process.env.HOST_OK] }, signal) };
    (async () => {
      const out = [];
      out.push(await extractTextFunction.run({ data: process.env.PDF_B64 }, ctx));
      out.push(await extractTextFunction.run({ url: process.env.PDF_URL }, ctx));
      try { await extractTextFunction.run({ data: Buffer.from('%PDF-1.4 broken').toString('base64') }, ctx); } catch (e) { out.push({ type: e.type, nonRetryable: e.nonRetryable }); }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', HOST_OK: host, PDF_URL: `${base}/doc.pdf`, PDF_B64: pdf('Hello PDF world').toString('base64') }, timeout: 60_000 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    );
  });
  expect(JSON.parse(stdout)).toEqual([
    { text: 'Hello PDF world', format: 'pdf', chars: 15, pages: 1 },
    { text: 'Quarterly report', format: 'pdf', chars: 16, pages: 1 },
    { type: 'InvalidDocument', nonRetryable: true },
  ]);
});

test('json_transform: an expression or a mapping over the pipeline data; bad expressions fail for good', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [] });
  const c = ctx([], { input: { items: [{ n: 1 }, { n: 2 }] }, outputs: { reviewer: { score: 7 } } });
  expect(await run(r, 'json_transform', { expression: '$sum(input.items.n)' }, c)).toBe(3);
  expect(await run(r, 'json_transform', { mapping: { total: '$sum(input.items.n)', ok: 'outputs.reviewer.score >= 7' } }, c)).toEqual({ total: 3, ok: true });
  expect(await run(r, 'json_transform', { expression: 'a.b', input: { a: { b: 'x' } } }, c)).toBe('x');
  expect(await failure(run(r, 'json_transform', { expression: '$sum(' }, c))).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
});

test('json_transform runs off the event loop within limits: endless recursion or a huge value fails the step for good, the loop keeps turning', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [] });
  const c = ctx([], { input: {}, outputs: {} });
  let ticks = 0;
  const ticker = setInterval(() => (ticks += 1), 20);
  try {
    const endless = await failure(run(r, 'json_transform', { expression: '( $f := function($n){ $f($n + 1) }; $f(0) )', timeout_ms: 1_500 }, c));
    expect(endless).toMatchObject({ nonRetryable: true });
    expect(['FunctionLimitExceeded', 'InvalidRequest']).toContain(endless.type); // over its limits, or JSONata's own stack guard
    const huge = await failure(run(r, 'json_transform', { expression: '$map([1..10000000], function($v){ {"v": $v, "pad": "xxxxxxxxxxxxxxxx"} })', timeout_ms: 1_500 }, c));
    expect(huge).toMatchObject({ type: 'FunctionLimitExceeded', nonRetryable: true });
    expect(huge.message).toMatch(/json_transform: expression (did not finish within 1500 ms|needed more than 64 MB)/);
  } finally {
    clearInterval(ticker);
  }
  expect(ticks).toBeGreaterThan(10); // the event loop was never blocked while the expressions ran
  expect(await failure(run(r, 'json_transform', { expression: '1', timeout_ms: 99_999 }, c))).toMatchObject({ type: 'InvalidRequest' });
});

test('template renders against the data', async () => {
  const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [] });
  expect(await run(r, 'template', { template: 'Dear {input.name}, score {reviewer.score}' }, ctx([], { input: { name: 'Ada' }, outputs: { reviewer: { score: 9 } } }))).toBe('Dear Ada, score 9');
});

test('user functions load from a directory (.js and .ts, default or named exports)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-fns-'));
  try {
    fs.writeFileSync(path.join(dir, 'shout.js'), "module.exports = { name: 'shout', run: (input) => String(input.text).toUpperCase() };\n");
    fs.writeFileSync(
      path.join(dir, 'tools.ts'),
      "interface In { a: number; b: number }\nexport const add = { name: 'add', run: (input: In) => input.a + input.b };\nexport default [{ name: 'twice', run: async (input: { x: number }) => input.x * 2 }];\n",
    );
    fs.writeFileSync(path.join(dir, 'notes.md'), 'ignored');
    const r = FunctionRegistry.withBuiltIns({ httpAllowlist: [] });
    expect(r.loadDirectory(dir).sort()).toEqual(['shout', 'twice']);
    expect(await run(r, 'shout', { text: 'hi' }, ctx([]))).toBe('HI');
    expect(await run(r, 'twice', { x: 21 }, ctx([]))).toBe(42);
    expect(r.names()).toEqual(expect.arrayContaining(['http_request', 'extract_text', 'json_transform', 'template', 'shout', 'twice']));
    fs.writeFileSync(path.join(dir, 'broken.js'), 'module.exports = { nothing: true };\n');
    expect(() => FunctionRegistry.withBuiltIns({ httpAllowlist: [] }).loadDirectory(dir)).toThrow(/broken\.js exports no \{ name, run \} function/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
