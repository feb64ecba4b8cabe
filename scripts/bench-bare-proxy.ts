// A reference point for `npm run bench -- --gateway-main dist/scripts/bench-bare-proxy.js`: the least a proxy
// can do (node:http in, undici Agent out, body parsed and re-serialised, no validation, no routing). The
// gateway's figures are best read against this ceiling measured on the same machine.
import http from 'node:http';
import { Agent } from 'undici';

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const upstream = new URL(`${process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:9/v1'}/chat/completions`);
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    agent
      .request({ origin: upstream.origin, path: upstream.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY ?? ''}` }, body: JSON.stringify(body) })
      .then(async (up) => {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
        for await (const chunk of up.body) res.write(chunk);
        res.end();
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`Circuit Breaker API on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0} (bare reference proxy)`);
});
