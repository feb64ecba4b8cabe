import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ChatRequest } from '../../../gateway/core/chat-request';
import { DEFAULT_TIMEOUTS } from '../../../gateway/http';
import type { ProviderSettings } from '../../../gateway/providers/provider';

export function ollamaSettings(baseUrl: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: 'ollama',
    kind: 'ollama',
    baseUrl,
    apiKeys: [],
    models: [],
    embeddingModels: [],
    headers: {},
    deployments: {},
    timeouts: DEFAULT_TIMEOUTS,
    ...overrides,
  };
}

export function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'Hello there' }], ...overrides };
}

export interface ReplayServer {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}

/** Answers every request with one recorded fixture file, verbatim. */
export async function startReplay(fixture: string, status = 200): Promise<ReplayServer> {
  const text = fs.readFileSync(path.join(__dirname, '__fixtures__', fixture), 'utf8');
  const contentType = fixture.endsWith('.chunks.txt') ? 'application/x-ndjson' : 'application/json; charset=utf-8';
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      res.writeHead(status, { 'content-type': contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export { collect, collectUntilError } from '../../helpers/stream-collect';
