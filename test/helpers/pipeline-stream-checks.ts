import type { SseMessage } from './sse-client';

interface Ev {
  type: string;
  seq: number;
  agentId?: string;
  delta?: string;
  output?: unknown;
  from?: string;
  to?: string;
  provider?: string;
}

/**
 * Checks a whole pipeline stream event by event: SSE `event:` = the event's type, `id:` = its seq (strictly
 * increasing), WORKFLOW_STARTED first, transitions chained place to place, each agent turn THINKING → its
 * CONTENT deltas → COMPLETED with the deltas adding up to the text output (a RETRY of the step restarts the
 * deltas), COMPLETION last, then `end` with status completed. Returns the events (without `end`).
 */
export function expectCompleteStream(messages: SseMessage[], initialPlace: string): Ev[] {
  const end = messages[messages.length - 1];
  expect(end?.event).toBe('end');
  expect(end?.data).toEqual({ status: 'completed' });
  const events = messages.slice(0, -1).map((m) => {
    const e = m.data as Ev;
    expect(m.event).toBe(e.type);
    expect(m.id).toBe(String(e.seq));
    return e;
  });
  for (let i = 1; i < events.length; i++) expect(events[i]!.seq).toBeGreaterThan(events[i - 1]!.seq);
  expect(events[0]?.type).toBe('WORKFLOW_STARTED');
  expect(events[events.length - 1]?.type).toBe('COMPLETION');

  let place = initialPlace;
  const text = new Map<string, string>();
  const thinking = new Set<string>();
  for (const e of events) {
    if (e.type === 'WORKFLOW_TRANSITION') {
      expect(e.from).toBe(place);
      place = e.to!;
    } else if (e.type === 'AGENT_THINKING') {
      thinking.add(e.agentId!);
      text.set(e.agentId!, '');
    } else if (e.type === 'RETRY') {
      for (const id of thinking) text.set(id, '');
    } else if (e.type === 'AGENT_CONTENT') {
      expect(thinking.has(e.agentId!)).toBe(true);
      text.set(e.agentId!, (text.get(e.agentId!) ?? '') + e.delta);
    } else if (e.type === 'AGENT_COMPLETED') {
      expect(thinking.has(e.agentId!)).toBe(true);
      if (typeof e.output === 'string') expect(text.get(e.agentId!)).toBe(e.output);
      thinking.delete(e.agentId!);
    }
  }
  expect(thinking.size).toBe(0);
  return events;
}

/** The event types in order, token deltas of one agent turn folded into one `AGENT_CONTENT*`. */
export function shape(events: Array<{ type: string; agentId?: string }>): string[] {
  const out: string[] = [];
  for (const e of events) {
    const name = e.agentId ? `${e.type}:${e.agentId}` : e.type;
    const folded = e.type === 'AGENT_CONTENT' ? `${name}*` : name;
    if (e.type === 'AGENT_CONTENT' && out[out.length - 1] === folded) continue;
    out.push(folded);
  }
  return out;
}
