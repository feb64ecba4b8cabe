import type { StreamPart } from '../../core/chat-result';
import { anthropicStreamError } from './anthropic-error';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic-schemas';
import { isTextBlock, isToolUseBlock } from './convert-anthropic-response';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { mapAnthropicUsage, mergeAnthropicUsage } from './map-anthropic-usage';

type BlockState =
  | { kind: 'text' }
  | { kind: 'tool'; index: number; sentArguments: boolean }
  /** The json_schema response tool: its JSON input streams out as text. */
  | { kind: 'response' }
  | { kind: 'ignored' };

/**
 * Turns Anthropic stream events into canonical parts, one event at a time (pure; no I/O). The `finish`
 * part comes only with `message_stop`, so a stream cut off before it is caught by the stream skeleton.
 * Anthropic numbers content blocks across text and tools; OpenAI numbers tool calls only, so each tool
 * block gets the next tool-call index (0, 1, …) in order of appearance.
 */
export class AnthropicStreamTranslator {
  private readonly blocks = new Map<number, BlockState>();
  private nextToolIndex = 0;
  private usage: AnthropicUsage | undefined;
  private stopReason: string | null | undefined;
  private done = false;

  constructor(
    private readonly provider: string,
    private readonly responseToolName: string | undefined,
  ) {}

  /** Parts for one event; throws a GatewayError for an `error` event. */
  onEvent(ev: AnthropicStreamEvent): StreamPart[] {
    switch (ev.type) {
      case 'message_start':
        if (ev.message.usage) this.usage = mergeAnthropicUsage(this.usage, ev.message.usage);
        return [{ type: 'metadata', id: ev.message.id, model: ev.message.model }];
      case 'content_block_start':
        return this.startBlock(ev.index, ev.content_block);
      case 'content_block_delta':
        return this.delta(ev.index, ev.delta);
      case 'content_block_stop': {
        const block = this.blocks.get(ev.index);
        // A tool called without arguments streams no input JSON; OpenAI clients still need valid JSON text.
        if (block?.kind === 'tool' && !block.sentArguments) {
          block.sentArguments = true;
          return [{ type: 'tool-call-delta', choice: 0, index: block.index, argumentsDelta: '{}' }];
        }
        return [];
      }
      case 'message_delta':
        if (ev.delta.stop_reason != null) this.stopReason = ev.delta.stop_reason;
        if (ev.usage) this.usage = mergeAnthropicUsage(this.usage, ev.usage);
        return [];
      case 'message_stop':
        return this.finish();
      case 'ping':
        return [];
      case 'error':
        throw anthropicStreamError(this.provider, ev);
    }
  }

  private startBlock(index: number, block: Parameters<typeof isTextBlock>[0]): StreamPart[] {
    if (isTextBlock(block)) {
      this.blocks.set(index, { kind: 'text' });
      return block.text !== '' ? [{ type: 'text-delta', choice: 0, delta: block.text }] : [];
    }
    if (isToolUseBlock(block)) {
      // Anthropic starts tool blocks with `input: {}` and streams the JSON; some relays send it whole here.
      const initial = isNonEmptyObject(block.input) ? JSON.stringify(block.input) : undefined;
      if (block.name === this.responseToolName) {
        this.blocks.set(index, { kind: 'response' });
        return initial !== undefined ? [{ type: 'text-delta', choice: 0, delta: initial }] : [];
      }
      const toolIndex = this.nextToolIndex++;
      this.blocks.set(index, { kind: 'tool', index: toolIndex, sentArguments: initial !== undefined });
      const parts: StreamPart[] = [{ type: 'tool-call-start', choice: 0, index: toolIndex, id: block.id, name: block.name }];
      if (initial !== undefined) parts.push({ type: 'tool-call-delta', choice: 0, index: toolIndex, argumentsDelta: initial });
      return parts;
    }
    this.blocks.set(index, { kind: 'ignored' });
    return [];
  }

  private delta(index: number, delta: { type: string; text?: unknown; partial_json?: unknown }): StreamPart[] {
    const block = this.blocks.get(index);
    if (delta.type === 'text_delta' && block?.kind === 'text' && typeof delta.text === 'string' && delta.text !== '') {
      return [{ type: 'text-delta', choice: 0, delta: delta.text }];
    }
    if (delta.type !== 'input_json_delta' || typeof delta.partial_json !== 'string' || delta.partial_json === '') return [];
    if (block?.kind === 'response') return [{ type: 'text-delta', choice: 0, delta: delta.partial_json }];
    if (block?.kind === 'tool') {
      block.sentArguments = true;
      return [{ type: 'tool-call-delta', choice: 0, index: block.index, argumentsDelta: delta.partial_json }];
    }
    return [];
  }

  private finish(): StreamPart[] {
    if (this.done) return [];
    this.done = true;
    const parts: StreamPart[] = [
      { type: 'finish', choice: 0, finishReason: mapAnthropicFinishReason(this.stopReason, this.nextToolIndex > 0) },
    ];
    if (this.usage) parts.push({ type: 'usage', usage: mapAnthropicUsage(this.usage) });
    return parts;
  }
}

function isNonEmptyObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
}
