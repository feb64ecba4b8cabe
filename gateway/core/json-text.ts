import { GatewayErrors } from './errors';

/** The one JSON parse of text a caller sent (request bodies, hook payloads): a 400 `invalid_json` when it is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw GatewayErrors.invalidRequest('We could not parse the JSON body of your request. The body must be valid JSON (check quoting and trailing commas).', null, 'invalid_json');
  }
}
