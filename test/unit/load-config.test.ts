import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/load-config';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('loadConfig from the environment', () => {
  test('no provider → demo mode on 127.0.0.1:4000 with defaults', () => {
    const c = loadConfig({});
    expect(c.demoMode).toBe(true);
    expect(c.providers.map((p) => p.name)).toEqual(['demo']);
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 4000, hostExplicit: false, apiTokens: [] });
    expect(c.temporal).toMatchObject({ address: undefined, namespace: 'default', uiPort: 8233, devPort: 7233, taskQueue: 'circuit-breaker-v2' });
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  test('a real provider turns demo mode off; key lists are merged and deduplicated', () => {
    const c = loadConfig({ OPENAI_API_KEYS: 'k1, k2,k3', OPENAI_API_KEY: 'k1', ANTHROPIC_API_KEY: 'a1', GEMINI_API_KEY: 'g1' });
    expect(c.demoMode).toBe(false);
    expect(c.providers.map((p) => p.name)).toEqual(['openai', 'anthropic', 'google']);
    expect(c.providers[0]?.apiKeys).toEqual(['k1', 'k2', 'k3']);
    expect(c.providers[0]?.baseUrl).toBe('https://api.openai.com/v1');
  });

  test('CB_API_TOKENS without HOST listens on all interfaces; with HOST it is explicit', () => {
    expect(loadConfig({ CB_API_TOKENS: 't1,t2' }).server).toMatchObject({ host: '0.0.0.0', apiTokens: ['t1', 't2'] });
    expect(loadConfig({ HOST: '0.0.0.0' }).server).toMatchObject({ host: '0.0.0.0', hostExplicit: true });
  });

  test('Azure: endpoint, version and deployments', () => {
    const c = loadConfig({ AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/', AZURE_OPENAI_API_KEY: 'az', AZURE_OPENAI_API_VERSION: '2024-10-21', AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o=prod-4o,embed' });
    const az = c.providers.find((p) => p.kind === 'azure');
    expect(az).toMatchObject({ baseUrl: 'https://res.openai.azure.com', apiVersion: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o', embed: 'embed' }, models: ['gpt-4o', 'embed'] });
  });

  test.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ OPENAI_BASE_URL: 'not a url', OPENAI_API_KEY: 'k' }, 'OPENAI_BASE_URL'],
    [{ AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' }, 'AZURE_OPENAI_API_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CB_BODY_LIMIT: 'huge' }, 'CB_BODY_LIMIT'],
  ])('%j fails start-up naming %s', (env, field) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(field);
  });
});

describe('the config file (CB_CONFIG)', () => {
  test('YAML with ${ENV} references adds custom endpoints, Azure deployments and model lists', () => {
    const p = file(
      'ok.yaml',
      `providers:
  - name: my-vllm
    kind: custom
    base_url: http://127.0.0.1:8000/v1
    api_key: \${VLLM_KEY}
    models: [llama-3.1-8b]
  - name: openai
    kind: openai
    api_key: \${OPENAI_KEY:-sk-default}
    models: [gpt-4o]
  - name: eu-azure
    kind: azure
    endpoint: https://eu.openai.azure.com
    api_key: az
    deployments: { gpt-4o: eu-4o }
`,
    );
    const c = loadConfig({ CB_CONFIG: p, VLLM_KEY: 'vk' });
    expect(c.providers.map((x) => `${x.name}:${x.kind}`)).toEqual(['my-vllm:custom', 'openai:openai', 'eu-azure:azure']);
    expect(c.providers[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:8000/v1', apiKeys: ['vk'], models: ['llama-3.1-8b'] });
    expect(c.providers[1]?.apiKeys).toEqual(['sk-default']);
    expect(c.providers[2]).toMatchObject({ deployments: { 'gpt-4o': 'eu-4o' }, models: ['gpt-4o'] });
  });

  test('JSON works too, and a file entry overrides the env provider of the same name but keeps its keys', () => {
    const p = file('ok.json', JSON.stringify({ providers: [{ name: 'openai', kind: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-x'] }] }));
    const c = loadConfig({ CB_CONFIG: p, OPENAI_API_KEY: 'envkey' });
    expect(c.providers).toHaveLength(1);
    expect(c.providers[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:9/v1', models: ['gpt-x'], apiKeys: ['envkey'] });
  });

  test.each([
    ['bad-kind.yaml', 'providers:\n  - name: x\n    kind: nonsense\n    base_url: http://a\n', 'providers.0.kind'],
    ['bad-url.yaml', 'providers:\n  - name: x\n    kind: custom\n    base_url: nope\n', 'providers.0.base_url'],
    ['extra.yaml', 'providers:\n  - name: x\n    kind: custom\n    base_url: http://a\n    colour: blue\n', 'colour'],
    ['missing-env.yaml', 'providers:\n  - name: x\n    kind: custom\n    base_url: http://a\n    api_key: ${NOT_SET_ANYWHERE}\n', 'NOT_SET_ANYWHERE'],
    ['no-key.yaml', 'providers:\n  - name: x\n    kind: anthropic\n', 'providers.x.api_key'],
    ['broken.yaml', 'providers: [\n', 'not valid YAML'],
    ['unknown-section.yaml', 'routing: {}\nrouteing:\n  default_strategy: failover_chain\n', 'routeing'],
  ])('%s stops start-up naming %s', (name, text, needle) => {
    const p = file(name, text);
    expect(() => loadConfig({ CB_CONFIG: p })).toThrow(needle);
  });

  test('sections that later features own start with one clear warning per setting, never silently', () => {
    const p = file('reserved.yaml', 'security:\n  pii_detection: true\n  audit_logging: true\ncost_optimization: on\n');
    const c = loadConfig({ CB_CONFIG: p });
    expect(c.warnings).toEqual([
      `${p}: \`security.pii_detection\` is not supported yet: the setting is ignored`,
      `${p}: \`security.audit_logging\` is not supported yet: the setting is ignored`,
      `${p}: \`cost_optimization\` is not supported yet: the setting is ignored`,
    ]);
    expect(loadConfig({}).warnings).toEqual([]);
  });

  test('a custom endpoint may declare OpenRouter compatibility and extra request fields (env and file); routing fields never', () => {
    const env = loadConfig({ CUSTOM_LLM_ENDPOINT: 'https://openrouter.ai/api/v1', CUSTOM_LLM_API_KEY: 'k', CUSTOM_LLM_OPENROUTER_COMPATIBLE: 'true', CUSTOM_LLM_EXTRA_FIELDS: 'guided_json, top_k' });
    expect(env.providers.find((p) => p.name === 'custom')).toMatchObject({ openrouterCompatible: true, extraFields: ['guided_json', 'top_k'] });
    const p = file('extra.yaml', 'providers:\n  - { name: vllm, kind: custom, base_url: "http://127.0.0.1:8000/v1", extra_fields: [guided_json] }\n');
    expect(loadConfig({ CB_CONFIG: p }).providers.find((x) => x.name === 'vllm')?.extraFields).toEqual(['guided_json']);
    const bad = file('extra-routing.yaml', 'providers:\n  - { name: vllm, kind: custom, base_url: "http://127.0.0.1:8000/v1", extra_fields: [models] }\n');
    expect(() => loadConfig({ CB_CONFIG: bad })).toThrow('providers.vllm.extra_fields: models is routing field(s) the gateway consumes');
    const notCustom = file('extra-openai.yaml', 'providers:\n  - { name: openai, kind: openai, api_key: k, extra_fields: [guided_json] }\n');
    expect(() => loadConfig({ CB_CONFIG: notCustom })).toThrow('only for kind custom');
  });

  test('a missing file is a clear error', () => {
    expect(() => loadConfig({ CB_CONFIG: path.join(tmp, 'nope.yaml') })).toThrow('CB_CONFIG: cannot read');
  });
});
