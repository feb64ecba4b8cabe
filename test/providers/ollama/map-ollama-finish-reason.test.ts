import { mapOllamaFinishReason } from '../../../gateway/providers/ollama/map-ollama-finish-reason';

describe('mapOllamaFinishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['stop', true, 'tool_calls'],
    ['length', false, 'length'],
    ['length', true, 'length'],
    ['load', false, 'stop'],
    ['unload', false, 'stop'],
    ['something_new', true, 'tool_calls'],
  ] as const)('done_reason %s (tool call produced: %s) → %s, raw kept', (raw, tool, unified) => {
    expect(mapOllamaFinishReason(raw, tool)).toEqual({ unified, raw });
  });

  it('missing done_reason → stop with raw undefined', () => {
    expect(mapOllamaFinishReason(undefined, false)).toEqual({ unified: 'stop', raw: undefined });
    expect(mapOllamaFinishReason(null, true)).toEqual({ unified: 'tool_calls', raw: undefined });
  });
});
