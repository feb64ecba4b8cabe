import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../../pipelines/db';
import { DefinitionStore, InvalidDefinitionError, openDefinitionStore } from '../../../pipelines/definition-store';
import { MAX_DEFINITION_BYTES } from '../../../pipelines/definition-text';

const YAML_V1 = `
id: tiny
name: Tiny
initialData: { type: object, required: [topic], properties: { topic: { type: string } } }
agents:
  - { id: writer, role: Writer, provider: openai, model: gpt-4o, prompts: { user_template: "Write about {topic}" } }
steps:
  - agent: writer
`;
const source = (template: string) => ({
  id: 'tiny',
  name: 'Tiny',
  initialData: { type: 'object', required: ['topic'], properties: { topic: { type: 'string' } } },
  agents: [{ id: 'writer', role: 'Writer', provider: 'openai', model: 'gpt-4o', prompts: { user_template: template } }],
  steps: [{ agent: 'writer' }],
});

function storeSuite(kind: string, open: () => Promise<Database>, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`definition store (${kind})`, () => {
    let db: Database;
    let store: DefinitionStore;
    beforeAll(async () => {
      db = await open();
      store = await DefinitionStore.create(db);
    });
    afterAll(async () => {
      await db?.close();
      await cleanup();
    });

    test('save assigns versions only when the content changes; every version is kept', async () => {
      const v1 = await store.saveDetailed(YAML_V1);
      expect(v1).toMatchObject({ created: true, definition: { id: 'tiny', version: 1 } });
      expect(v1.definition.agents[0]?.model).toBe('openai/gpt-4o');
      // the same content (as JSON this time, key order and version field aside) is not a new version
      expect(await store.saveDetailed({ ...source('Write about {topic}'), version: 1 })).toMatchObject({ created: false, definition: { version: 1 } });
      const v2 = await store.save(source('Write a poem about {topic}'));
      expect(v2.version).toBe(2);
      const v3 = await store.save(source('Write a poem about {topic}!'));
      expect(v3.version).toBe(3);
      expect(await store.versions('tiny')).toEqual([1, 2, 3]);
      expect((await store.get('tiny'))?.version).toBe(3);
      expect((await store.get('tiny', 1))?.agents[0]?.prompts.user_template).toBe('Write about {topic}');
      expect((await store.get('tiny', 2))?.agents[0]?.prompts.user_template).toBe('Write a poem about {topic}');
      expect(await store.get('tiny', 9)).toBeUndefined();
      expect(await store.get('unknown')).toBeUndefined();
      // going back to an earlier content is a change against the latest: a new version
      expect((await store.save(YAML_V1)).version).toBe(4);
      // a declared version above the latest is honoured
      expect((await store.save({ ...source('v10 {topic}'), version: 10 })).version).toBe(10);
    });

    test('list: one summary per definition (latest), all versions named', async () => {
      await store.save({ ...source('x {topic}'), id: 'another', name: 'Another' });
      const list = await store.list();
      expect(list.map((d) => [d.id, d.version, d.versions])).toEqual([
        ['another', 1, [1]],
        ['tiny', 10, [1, 2, 3, 4, 10]],
      ]);
      expect(list[1]).toMatchObject({ name: 'Tiny', builtin: false, agents: [{ id: 'writer', role: 'Writer', model: 'openai/gpt-4o' }], initialData: { required: ['topic'] } });
      expect((await store.all()).map((d) => `${d.id}@${d.version}`)).toEqual(['another@1', 'tiny@10']);
    });

    test('invalid definitions are 400s naming the field, and nothing is stored', async () => {
      const bad = async (input: unknown) => {
        try {
          await store.save(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidDefinitionError);
          const e = err as InvalidDefinitionError;
          expect(e.status).toBe(400);
          return { param: e.param, code: e.code, issues: e.issues };
        }
        throw new Error('expected a failure');
      };
      expect(await bad({ ...source('x'), id: 'broken', steps: [{ agent: 'ghost' }] })).toEqual({ param: 'steps[0].agent', code: 'invalid_definition', issues: [{ path: 'steps[0].agent', message: 'unknown agent "ghost"' }] });
      expect((await bad('id: broken\nname: [unclosed')).issues[0]?.message).toMatch(/not valid YAML\/JSON \(line \d+, column \d+\)/);
      expect((await bad({ ...source('x'), id: 'broken', initialData: { type: 'objekt' } })).param).toBe('initialData');
      expect(await bad({ ...source('{topic}'), id: 'broken', schedule: { cron: '0 * * * *', initialData: {} } })).toMatchObject({ param: 'schedule.initialData.topic' });
      expect(await store.get('broken')).toBeUndefined();
    });

    test('the size limit holds for every encoding; text is parsed off the event loop, pathological text is a 400', async () => {
      const big = { ...source('x'), id: 'too_big', description: 'd'.repeat(MAX_DEFINITION_BYTES) };
      await expect(store.save(big)).rejects.toMatchObject({ status: 400, issues: [{ path: '', message: `definition is larger than ${MAX_DEFINITION_BYTES} bytes` }] });
      await expect(store.save(JSON.stringify(big))).rejects.toMatchObject({ status: 400 });
      const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`; // within the size limit, deep enough to break a recursive parser
      await expect(store.save(nested)).rejects.toBeInstanceOf(InvalidDefinitionError);
      expect(await store.get('too_big')).toBeUndefined();
      const yaml = `id: from_text\nname: From text\nagents:\n  - { id: a, role: A, model: openai/gpt-4o, prompts: { user_template: "Hi {topic}" } }\nsteps:\n  - agent: a\n`;
      expect((await store.save(yaml)).id).toBe('from_text');
    });

    test('concurrent saves of different contents get distinct versions', async () => {
      const id = `race_${randomBytes(3).toString('hex')}`;
      const saved = await Promise.all([1, 2, 3, 4].map((n) => store.save({ ...source(`n${n} {topic}`), id })));
      expect(saved.map((d) => d.version).sort()).toEqual([1, 2, 3, 4]);
      expect(await store.versions(id)).toEqual([1, 2, 3, 4]);
    });
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-store-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

storeSuite('SQLite', () => openDatabase({ dataDir: path.join(tmp, 'data'), databaseUrl: '' }));

const pgUrl = process.env.DATABASE_URL;
const pgSchema = `cb_test_${randomBytes(4).toString('hex')}`;
if (pgUrl) {
  // Each run in its own Postgres schema (search_path), dropped afterwards: runs never see each other's rows.
  const withSchema = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pgSchema}`)}`;
  storeSuite(
    'Postgres',
    async () => {
      const admin = await openDatabase({ dataDir: tmp, databaseUrl: pgUrl });
      await admin.exec(`CREATE SCHEMA IF NOT EXISTS ${pgSchema}`);
      await admin.close();
      const db = await openDatabase({ dataDir: tmp, databaseUrl: withSchema });
      expect(db.kind).toBe('postgres');
      return db;
    },
    async () => {
      const admin = await openDatabase({ dataDir: tmp, databaseUrl: pgUrl });
      await admin.exec(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await admin.close();
    },
  );
} else {
  test.skip('definition store (Postgres): DATABASE_URL is not set and no local Postgres answered', () => undefined);
}

describe('openDefinitionStore', () => {
  test('SQLite file under the data dir, built-ins loaded once (restart = no new versions), survives reopening', async () => {
    const dataDir = path.join(tmp, 'open');
    const first = await openDefinitionStore({ dataDir, databaseUrl: '' });
    expect(first.db.kind).toBe('sqlite');
    expect(first.db.location).toBe(path.join(dataDir, 'circuit-breaker.db'));
    expect(fs.existsSync(path.join(dataDir, 'circuit-breaker.db'))).toBe(true);
    expect(first.builtins.map((d) => `${d.id}@${d.version}`)).toEqual(['content_pipeline@1', 'document_analysis@1', 'research_and_summarize@1']);
    await first.store.save(source('kept {topic}'));
    await first.close();

    const second = await openDefinitionStore({ dataDir, databaseUrl: '' });
    expect(second.builtins.map((d) => d.version)).toEqual([1, 1, 1]);
    const list = await second.store.list();
    expect(list.map((d) => [d.id, d.builtin])).toEqual([
      ['content_pipeline', true],
      ['document_analysis', true],
      ['research_and_summarize', true],
      ['tiny', false],
    ]);
    await second.close();
  });

  test('a changed built-in file becomes a new version; a broken one fails naming its file and field', async () => {
    const dataDir = path.join(tmp, 'changed');
    const dir = path.join(tmp, 'defs');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'tiny.yaml'), YAML_V1);
    const a = await openDefinitionStore({ dataDir, databaseUrl: '', builtinDir: dir });
    await a.close();
    fs.writeFileSync(path.join(dir, 'tiny.yaml'), YAML_V1.replace('Write about', 'Write a story about'));
    const b = await openDefinitionStore({ dataDir, databaseUrl: '', builtinDir: dir });
    expect(b.builtins.map((d) => d.version)).toEqual([2]);
    await b.close();
    fs.writeFileSync(path.join(dir, 'tiny.yaml'), YAML_V1.replace('agent: writer', 'agent: ghost'));
    await expect(openDefinitionStore({ dataDir, databaseUrl: '', builtinDir: dir })).rejects.toThrow(/tiny\.yaml: Invalid pipeline definition: steps\[0\]\.agent: unknown agent "ghost"/);
  });
});
