import type { Request } from 'express';
import { GatewayErrors } from '../../../gateway/core/errors';

/**
 * The public origin links in answers use (`CB_PUBLIC_URL`, else the address the API listens on), so they are
 * absolute — and never built from the Host header a caller chose.
 */
export function baseUrlOf(req: Request): string {
  const configured: unknown = req.app.locals.publicUrl;
  return typeof configured === 'string' ? configured : 'http://127.0.0.1';
}

/** A non-negative integer parameter, or undefined when absent; 400 naming it when malformed. */
export function intParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw GatewayErrors.invalidRequest(`'${name}' must be a non-negative integer.`, name, 'invalid_value');
  return n;
}

/** A single string query parameter (the first when repeated), or undefined. */
export function strParam(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The caller label set by bearer auth (`token-<n>` or `anonymous`). */
export function callerOf(locals: Record<string, unknown>): string {
  return typeof locals.caller === 'string' ? locals.caller : 'anonymous';
}
