/**
 * Parses caller-sent definition text (YAML or JSON) off the event loop (`runIsolated`, a child process: 2 s, 128 MB): a definition
 * of pathological YAML (deep flow collections, a huge document within the size limit) never stalls the API.
 */
import { checkDefinitionSize, DEFINITION_YAML_OPTIONS, InvalidDefinitionError, yamlSyntaxIssue } from './definition-text';
import { IsolatedRunError, runIsolated } from './isolated-run';

const CHILD_CODE = `
const { parse } = require(input.yamlPath);
try {
  reply({ ok: true, value: parse(input.text, input.options) });
} catch (e) {
  reply({ ok: false, message: String(e && e.message), linePos: e && e.linePos });
}`;

type Reply = { ok: true; value: unknown } | { ok: false; message: string; linePos?: Array<{ line: number; col: number }> };

export async function parseDefinitionTextIsolated(text: string, origin = 'definition', timeoutMs = 2_000): Promise<unknown> {
  checkDefinitionSize(text, origin);
  let reply: Reply;
  try {
    reply = await runIsolated<Reply>(CHILD_CODE, { yamlPath: require.resolve('yaml'), text, options: { ...DEFINITION_YAML_OPTIONS } }, { timeoutMs, maxOldGenerationSizeMb: 128 });
  } catch (err) {
    const why = err instanceof IsolatedRunError ? err.message : String(err);
    throw new InvalidDefinitionError([{ path: '', message: `${origin} could not be parsed: ${why}` }]);
  }
  if (reply.ok) return reply.value;
  throw new InvalidDefinitionError([yamlSyntaxIssue(origin, reply.message, reply.linePos)]);
}
