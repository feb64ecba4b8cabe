import type { StreamPart } from '../../gateway/core/chat-result';

/** Drains a canonical stream. */
export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}

/** Collects parts until the iterator throws; returns both. */
export async function collectUntilError(stream: AsyncIterable<StreamPart>): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const p of stream) parts.push(p);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}
