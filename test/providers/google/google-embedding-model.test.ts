import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GatewayError } from '../../../gateway/core/errors';
import { createGoogleProvider } from '../../../gateway/providers/google';
import type { FakeServer } from '../../helpers/fake-server';
import { startGoogleFake } from '../fakes/google-fake';
import { googleSettings } from './google-test-helpers';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startGoogleFake({ apiKeys: ['good-key'] });
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

const embedder = () => {
  const m = createGoogleProvider(googleSettings(fake.url, ['good-key'])).embeddingModel('gemini-embedding-001');
  if (!m) throw new Error('no embedding model');
  return m;
};

describe('Google embeddings', () => {
  it('calls :batchEmbedContents with one request per input and returns an indexed data list', async () => {
    const r = await embedder().embed({ model: 'google/gemini-embedding-001', input: ['hello world', 'bye'], dimensions: 4 }, {});
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(fake.requests[0]?.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'hello world' }] }, outputDimensionality: 4 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'bye' }] }, outputDimensionality: 4 },
      ],
    });
    expect(r.model).toBe('gemini-embedding-001');
    expect(r.data.map((d) => [d.index, (d.embedding as number[]).length])).toEqual([
      [0, 4],
      [1, 4],
    ]);
    // No usage from Gemini: estimated at ~4 characters per token.
    expect(r.usage).toEqual({ promptTokens: 4, totalTokens: 4 });
  });

  it('splits more than 100 inputs into several batches, keeping order', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    const r = await embedder().embed({ model: 'x', input: inputs }, {});
    expect(fake.requests).toHaveLength(2);
    expect(r.data).toHaveLength(150);
    expect(r.data[149]?.index).toBe(149);
    const single = await embedder().embed({ model: 'x', input: 'text 149' }, {});
    expect(single.data[0]?.embedding).toEqual(r.data[149]?.embedding);
  });

  it('rejects token-array input with a 400 naming input', async () => {
    await expect(embedder().embed({ model: 'x', input: [1, 2, 3] }, {})).rejects.toMatchObject({ status: 400, param: 'input' });
  });

  it('maps upstream errors', async () => {
    fake.enqueue({ error: { status: 500, message: 'An internal error has occurred.' } });
    const e = await embedder().embed({ model: 'x', input: 'a' }, {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GatewayError);
    expect(e).toMatchObject({ status: 500, retryable: true, message: 'google: An internal error has occurred.' });
  });

  it('replays embed.json verbatim', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(fs.readFileSync(path.join(__dirname, '__fixtures__', 'embed.json')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const m = createGoogleProvider(googleSettings(base)).embeddingModel('text-embedding-004');
      const r = await m?.embed({ model: 'x', input: ['a', 'b'] }, {});
      expect(r?.data).toEqual([
        { index: 0, embedding: [0.0123, -0.0456, 0.0789, 0.0012] },
        { index: 1, embedding: [-0.031, 0.0271, 0.0044, -0.0902] },
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
