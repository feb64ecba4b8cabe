import type { UserContentPart } from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import type {
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicImageMediaType,
  AnthropicUserBlock,
} from './anthropic-api-types';

/** Image types Anthropic accepts. `image/jpg` (common, but not a registered type) is rejected upstream. */
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

interface DataUri {
  mediaType: string;
  base64: boolean;
  data: string;
}

/** Parses `data:<type>[;param…][;base64],<data>`; media type lower-cased. */
export function parseDataUri(uri: string): DataUri | undefined {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(uri);
  if (!m) return undefined;
  const params = (m[2] ?? '').split(';').map((p) => p.trim().toLowerCase());
  return { mediaType: (m[1] ?? '').trim().toLowerCase(), base64: params.includes('base64'), data: m[3] ?? '' };
}

/** An OpenAI `image_url` → an Anthropic image block (base64 from a data URI, or a URL source). */
export function convertImage(url: string, param: string): AnthropicImageBlock {
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const uri = url.startsWith('data:') ? parseDataUri(url) : undefined;
  if (!uri) {
    throw GatewayErrors.invalidRequest('Anthropic accepts images only as base64 data URIs or http(s) URLs', param);
  }
  const mediaType = uri.mediaType === 'image/jpg' ? 'image/jpeg' : uri.mediaType;
  if (!IMAGE_TYPES.has(mediaType)) {
    throw GatewayErrors.invalidRequest(
      `Anthropic does not support image type '${uri.mediaType || 'unknown'}' (use jpeg, png, gif or webp)`,
      param,
    );
  }
  if (!uri.base64) throw GatewayErrors.invalidRequest('Image data URIs must be base64-encoded', param);
  return { type: 'image', source: { type: 'base64', media_type: mediaType as AnthropicImageMediaType, data: uri.data } };
}

/** An OpenAI `file` part → an Anthropic document block (PDF or plain text given inline as a data URI). */
export function convertFile(file: { file_data?: string; file_id?: string; filename?: string }, param: string): AnthropicDocumentBlock {
  if (file.file_data === undefined) {
    throw GatewayErrors.invalidRequest('Anthropic does not accept OpenAI file ids; send the file inline as file_data', param);
  }
  const uri = parseDataUri(file.file_data);
  const title = file.filename !== undefined ? { title: file.filename } : {};
  if (uri?.mediaType === 'application/pdf' && uri.base64) {
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: uri.data }, ...title };
  }
  if (uri?.mediaType === 'text/plain') {
    const data = uri.base64 ? Buffer.from(uri.data, 'base64').toString('utf8') : decodeURIComponent(uri.data);
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data }, ...title };
  }
  throw GatewayErrors.invalidRequest('Anthropic accepts files only as PDF or text/plain data URIs', param);
}

/** User content (string or parts) → Anthropic blocks; empty text is dropped (Anthropic rejects it). */
export function convertUserContent(content: string | UserContentPart[], param: string): AnthropicUserBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: AnthropicUserBlock[] = [];
  content.forEach((part, j) => {
    const p = `${param}[${j}]`;
    switch (part.type) {
      case 'text':
        if (part.text !== '') blocks.push({ type: 'text', text: part.text });
        break;
      case 'image_url':
        blocks.push(convertImage(part.image_url.url, `${p}.image_url.url`));
        break;
      case 'file':
        blocks.push(convertFile(part.file, `${p}.file`));
        break;
      case 'input_audio':
        throw GatewayErrors.invalidRequest('Anthropic does not accept audio input', `${p}.input_audio`);
    }
  });
  return blocks;
}
