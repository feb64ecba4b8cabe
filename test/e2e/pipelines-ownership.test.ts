import { type ApiHarness, startApiHarness } from '../helpers/pipelines-api-harness';

/**
 * A pipeline run belongs to the token that started it: another token gets the 404 of an unknown run for every
 * instance route (read, list, stream, signal, cancel); an operator token (CB_ADMIN_TOKENS) sees every run.
 */
jest.setTimeout(120_000);

let h: ApiHarness;
const A = { authorization: 'Bearer tok-a' };
const B = { authorization: 'Bearer tok-b' };
const ADMIN = { authorization: 'Bearer tok-admin' };

beforeAll(async () => {
  h = await startApiHarness({ env: { CB_API_TOKENS: 'tok-a,tok-b', CB_ADMIN_TOKENS: 'tok-admin' } });
  const r = await h.call(
    'POST',
    '/v1/workflow-definitions',
    {
      id: 'owned_flow',
      name: 'Owned flow',
      agents: [{ id: 'drafter', role: 'Drafter', model: 'openai/gpt-4o', prompts: { user_template: 'Draft {topic}' } }],
      steps: [{ agent: 'drafter' }, { wait_signal: 'approval', timeout: '10m', output: 'approval' }],
    },
    A,
  );
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

test("another caller's run is unknown to it on every route; the owner and an operator see it", async () => {
  const started = await h.call('POST', '/v1/workflows/owned_flow/instances', { initialData: { topic: 'mine' } }, A);
  expect(started.status).toBe(201);
  const id = String(started.body.id);

  expect((await h.call('GET', `/v1/workflow-instances/${id}`, undefined, A)).status).toBe(200);
  expect((await h.call('GET', `/v1/workflow-instances/${id}`, undefined, ADMIN)).status).toBe(200);
  const foreign = await h.call('GET', `/v1/workflow-instances/${id}`, undefined, B);
  expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'instance_not_found' } } });
  expect((await h.call('POST', `/v1/workflow-instances/${id}/signal`, { type: 'approve' }, B)).status).toBe(404);
  expect((await h.call('POST', `/v1/workflow-instances/${id}/cancel`, {}, B)).status).toBe(404);
  const stream = await fetch(h.url(`/v1/workflow-instances/${id}/stream`), { headers: B });
  expect(stream.status).toBe(404);
  await stream.body?.cancel();

  // Lists: a caller sees its own runs only, whatever it filters by; an operator may ask for any caller's.
  const listed = async (headers: Record<string, string>, query = ''): Promise<string[]> => {
    const r = await h.call('GET', `/v1/workflow-instances?workflowId=owned_flow${query}`, undefined, headers);
    return (r.body.data as Array<{ id: string }>).map((x) => x.id);
  };
  for (let i = 0; i < 50 && !(await listed(A)).includes(id); i++) await new Promise((r) => setTimeout(r, 200)); // visibility is eventually consistent
  expect(await listed(A)).toContain(id);
  expect(await listed(B)).not.toContain(id);
  expect(await listed(B, '&caller=token-1')).not.toContain(id);
  expect(await listed(ADMIN, '&caller=token-1')).toContain(id);

  expect((await h.call('POST', `/v1/workflow-instances/${id}/cancel`, {}, A)).status).toBe(202);
});
