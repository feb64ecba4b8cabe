/**
 * The `extract_text` built-in: plain text from text, HTML (html-to-text) or PDF (unpdf). The document comes as
 * `text`, `html`, base64 `data` (with `content_type` or `format`), or a `url` fetched under the http_request
 * rules (allowlist, timeout, size cap). Answers `{ text, format, chars, pages? }`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { convert } from 'html-to-text';
import type { JsonObject } from '../../pipelines/definition/types';
import type { FunctionContext, PipelineFunction } from './function-types';
import { readCapped, throwForStatus } from './http-request';

type Format = 'text' | 'html' | 'pdf';
const MAX_BYTES = 20 * 1024 * 1024;

function formatOf(contentType: string | undefined, bytes: Uint8Array | undefined, hint: string | undefined): Format {
  if (hint === 'text' || hint === 'html' || hint === 'pdf') return hint;
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('pdf')) return 'pdf';
  if (ct.includes('html') || ct.includes('xml')) return 'html';
  if (bytes && bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-') return 'pdf';
  if (bytes && /^\s*<(!doctype html|html|head|body|div|p)\b/i.test(Buffer.from(bytes.subarray(0, 200)).toString('utf8'))) return 'html';
  return 'text';
}

/** PDF text via unpdf (PDF.js). Its entry imports the PDF.js bundle dynamically: jest's vm sandbox cannot. */
export async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  let doc;
  try {
    doc = await getDocumentProxy(new Uint8Array(bytes));
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`extract_text: not a readable PDF (${(err as Error).message})`, 'InvalidDocument');
  }
  try {
    const r = await extractText(doc, { mergePages: true });
    return { text: r.text, pages: r.totalPages };
  } finally {
    await doc.destroy();
  }
}

export function htmlText(html: string): string {
  return convert(html, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] }).trim();
}

async function load(input: JsonObject, ctx: FunctionContext): Promise<{ bytes?: Uint8Array; text?: string; contentType?: string }> {
  if (typeof input.text === 'string') return { text: input.text, contentType: 'text/plain' };
  if (typeof input.html === 'string') return { text: input.html, contentType: 'text/html' };
  const contentType = typeof input.content_type === 'string' ? input.content_type : undefined;
  if (typeof input.data === 'string' && input.data !== '') {
    const b64 = input.data.replace(/^data:([^;,]+)?(;base64)?,/, '');
    const fromDataUrl = /^data:([^;,]+)/.exec(input.data)?.[1];
    return { bytes: Buffer.from(b64, 'base64'), contentType: contentType ?? fromDataUrl };
  }
  if (typeof input.url === 'string' && input.url !== '') {
    const res = await ctx.fetch(input.url, { method: 'GET' });
    const bytes = await readCapped(res, MAX_BYTES);
    throwForStatus(res, `extract_text GET ${input.url}`, res.ok ? '' : Buffer.from(bytes).toString('utf8'));
    return { bytes, contentType: contentType ?? res.headers.get('content-type') ?? undefined };
  }
  throw ApplicationFailure.nonRetryable('extract_text: give one of `text`, `html`, `data` (base64) or `url`', 'InvalidRequest');
}

export const extractTextFunction: PipelineFunction = {
  name: 'extract_text',
  description: 'Plain text from text, HTML or PDF (inline, base64 or an allowlisted URL).',
  async run(input, ctx) {
    const doc = await load(input, ctx);
    const hint = typeof input.format === 'string' ? input.format : undefined;
    const format = formatOf(doc.contentType, doc.bytes, hint);
    ctx.heartbeat(0.5);
    if (format === 'pdf') {
      if (!doc.bytes) throw ApplicationFailure.nonRetryable('extract_text: a PDF must come as `data` or `url`', 'InvalidRequest');
      const r = await pdfText(doc.bytes);
      const out: JsonObject = { text: r.text, format, chars: r.text.length, pages: r.pages };
      return out;
    }
    const raw = doc.text ?? Buffer.from(doc.bytes ?? new Uint8Array()).toString('utf8');
    const text = format === 'html' ? htmlText(raw) : raw;
    const out: JsonObject = { text, format, chars: text.length };
    return out;
  },
};
