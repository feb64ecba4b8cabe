import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GatewayError } from '../../../gateway/core/errors';
import { createOllamaProvider, sameOllamaModel } from '../../../gateway/providers/ollama';
import type { FakeServer } from '../../helpers/fake-server';
import { startOllamaFake } from '../fakes/ollama-fake';
import { ollamaSettings } from './ollama-test-utils';

let fake: FakeServer;
beforeEach(async () => {
  fake = await startOllamaFake();
});
afterEach(async () => {
  await fake.close();
});

const MODIFIED = Math.floor(Date.parse('2025-02-01T12:00:00.123Z') / 1000);

describe('listModels', () => {
  it('merges /api/tags with the configured models; llama3.2 and llama3.2:latest are one model', async () => {
    const provider = createOllamaProvider(
      ollamaSettings(fake.url, { name: 'local', models: ['llama3.2', 'mistral'], embeddingModels: ['nomic-embed-text'] }),
    );
    const models = await provider.listModels();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/tags']);
    expect(models).toEqual([
      { id: 'local/llama3.2', provider: 'local', kind: 'ollama', modelId: 'llama3.2', ownedBy: 'ollama', created: MODIFIED },
      { id: 'local/mistral', provider: 'local', kind: 'ollama', modelId: 'mistral', ownedBy: 'ollama', created: 1_700_000_000 },
      {
        id: 'local/nomic-embed-text',
        provider: 'local',
        kind: 'ollama',
        modelId: 'nomic-embed-text',
        ownedBy: 'ollama',
        created: MODIFIED,
        capabilities: { embeddings: true },
      },
      { id: 'local/qwen2.5:7b', provider: 'local', kind: 'ollama', modelId: 'qwen2.5:7b', ownedBy: 'ollama', created: MODIFIED },
    ]);
  });

  it('lists discovered models with nothing configured', async () => {
    const models = await createOllamaProvider(ollamaSettings(fake.url)).listModels();
    expect(models.map((m) => m.id)).toEqual(['ollama/llama3.2:latest', 'ollama/qwen2.5:7b', 'ollama/nomic-embed-text:latest']);
  });

  it('returns the configured models when the server is unreachable (never throws)', async () => {
    const url = fake.url;
    await fake.close();
    const models = await createOllamaProvider(ollamaSettings(url, { models: ['llama3.2'] })).listModels();
    expect(models.map((m) => m.id)).toEqual(['ollama/llama3.2']);
    fake = await startOllamaFake(); // for afterEach
  });

  it('gives up after ~1.5 s on a server that never answers', async () => {
    const sockets = new Set<Socket>();
    const hung = http.createServer(() => undefined);
    hung.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const models = await createOllamaProvider(ollamaSettings(`http://127.0.0.1:${(hung.address() as AddressInfo).port}`, { models: ['m'] })).listModels();
      expect(models.map((m) => m.id)).toEqual(['ollama/m']);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('returns the configured models on a non-2xx or malformed /api/tags', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/bad/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"models": "nope"}');
      } else {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"boom"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const url of [base, `${base}/bad`]) {
        const models = await createOllamaProvider(ollamaSettings(url, { models: ['x'] })).listModels();
        expect(models.map((m) => m.id)).toEqual(['ollama/x']);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('sameOllamaModel treats :latest as the default tag', () => {
    expect(sameOllamaModel('llama3.2', 'llama3.2:latest')).toBe(true);
    expect(sameOllamaModel('llama3.2:latest', 'llama3.2:latest')).toBe(true);
    expect(sameOllamaModel('llama3.2', 'llama3.2:1b')).toBe(false);
  });
});

describe('embeddings', () => {
  const embedder = (id = 'nomic-embed-text') => {
    const model = createOllamaProvider(ollamaSettings(fake.url)).embeddingModel(id);
    if (model === undefined) throw new Error('no embedding model');
    return model;
  };

  it('posts {model, input} to /api/embed and maps embeddings and usage', async () => {
    const result = await embedder().embed({ model: 'ollama/nomic-embed-text', input: ['hello world', 'bye'] }, {});
    expect(fake.requests[0]?.path).toBe('/api/embed');
    expect(fake.requests[0]?.body).toEqual({ model: 'nomic-embed-text', input: ['hello world', 'bye'] });
    expect(result.model).toBe('nomic-embed-text:latest');
    expect(result.data.map((d) => d.index)).toEqual([0, 1]);
    expect(result.data[0]?.embedding).toHaveLength(4);
    expect(result.usage).toEqual({ promptTokens: 3, totalTokens: 3 });
  });

  it('forwards dimensions', async () => {
    const plain = await embedder().embed({ model: 'm', input: 'hi', dimensions: 8 }, {});
    expect(fake.requests[0]?.body).toEqual({ model: 'nomic-embed-text', input: 'hi', dimensions: 8 });
    expect(plain.data[0]?.embedding).toHaveLength(8);
  });

  it('rejects token-array input with a 400 before calling upstream', async () => {
    await expect(embedder().embed({ model: 'm', input: [1, 2, 3] }, {})).rejects.toMatchObject({ status: 400, param: 'input' });
    expect(fake.requests).toHaveLength(0);
  });

  it('maps an unknown model to 404', async () => {
    const err = await embedder('nope').embed({ model: 'm', input: 'x' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 404, type: 'not_found_error' });
  });
});
