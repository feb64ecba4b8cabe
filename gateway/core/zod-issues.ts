import type { ZodError } from 'zod';
import { type GatewayError, GatewayErrors } from './errors';

/**
 * The one formatter of zod errors: paths as OpenAI names params (`messages[0].content`), the first issue as a
 * 400 naming its field (API, pipelines), or every issue as lines (configuration).
 */

/** ['messages', 0, 'content'] → `messages[0].content`; [] → ''. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** The first issue as a 400 `invalid_request_error` whose `param` names the field: `temperature: Too big …`. */
export function invalidRequestFromZod(err: ZodError, what: string): GatewayError {
  const issue = err.issues[0];
  const param = issue ? issuePath(issue.path) || null : null;
  const more = err.issues.length - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : '';
  const message = `${param ? `${param}: ` : `Invalid ${what}: `}${issue?.message ?? 'invalid value'}${tail}`;
  return GatewayErrors.invalidRequest(message, param, 'invalid_value');
}

/** Every issue on its own line, config-style paths (`providers.0.base_url`, as README documents them). */
export function issueLines(err: ZodError): string[] {
  return err.issues.map((i) => `  - ${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}
