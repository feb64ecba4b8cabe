import type { UserContentPart } from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import type { GooglePartInput } from './google-request-types';

/**
 * One OpenAI user content part → one Gemini part.
 * - data: URIs (images, `file.file_data`) → `inlineData {mimeType, data}`; `image/jpg` → `image/jpeg`.
 * - http(s) image URLs → `fileData {fileUri, mimeType?}`: the Gemini API fetches public and signed URLs
 *   itself; the MIME type is guessed from the extension and left out when unknown (it is optional).
 * - `input_audio` → `inlineData` with `audio/<format>`.
 * - anything else (other URL schemes, OpenAI `file_id`s, non-base64 data URIs) → 400 naming the part.
 * Returns undefined for parts that carry nothing (empty text), which Gemini would reject.
 */
export function convertUserPart(part: UserContentPart, param: string): GooglePartInput | undefined {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : { text: part.text };
    case 'image_url': {
      const url = part.image_url.url;
      const p = `${param}.image_url.url`;
      if (url.startsWith('data:')) return { inlineData: parseDataUri(url, p) };
      if (/^https?:\/\//i.test(url)) {
        const mimeType = guessMimeType(url);
        return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
      }
      throw GatewayErrors.invalidRequest(`${p} must be a data: URI or an http(s) URL for google`, p);
    }
    case 'input_audio': {
      const format = part.input_audio.format.toLowerCase();
      return { inlineData: { mimeType: `audio/${format === 'mp3' ? 'mp3' : format}`, data: part.input_audio.data } };
    }
    case 'file': {
      const p = `${param}.file`;
      const data = part.file.file_data;
      if (data === undefined) {
        throw GatewayErrors.invalidRequest(`${p}: google accepts files only inline as file_data (a data: URI), not file_id`, p);
      }
      return { inlineData: parseDataUri(data, `${p}.file_data`) };
    }
  }
}

/** `data:<mime>[;params];base64,<data>` → `{mimeType, data}`. */
export function parseDataUri(uri: string, param: string): { mimeType: string; data: string } {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(uri);
  const params = m?.[2]?.toLowerCase().split(';') ?? [];
  if (!m || !params.includes('base64')) {
    throw GatewayErrors.invalidRequest(`${param} must be a base64 data URI (data:<mime>;base64,<data>)`, param);
  }
  const mime = (m[1] ?? '').trim().toLowerCase();
  if (mime === '') throw GatewayErrors.invalidRequest(`${param}: the data URI has no MIME type`, param);
  return { mimeType: mime === 'image/jpg' ? 'image/jpeg' : mime, data: m[3] ?? '' };
}

const EXTENSION_MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

export function guessMimeType(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : EXTENSION_MIME[ext];
}
