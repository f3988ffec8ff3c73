import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../errors';

/** Largest HTTP body accepted: a document within its limit plus variables. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A body the endpoint will not read, with the status and code it is answered with. */
export class BodyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const unreadable = () => new BodyRefusal(400, ErrorCode.BAD_REQUEST, 'The request body could not be read (check Content-Type and Content-Encoding)');
const tooLarge = () => new BodyRefusal(413, ErrorCode.DOCUMENT_TOO_LARGE, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);

/** Whether a Content-Type header names JSON (parameters ignored, as media types are). */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

/**
 * Reads a POST body as JSON: `undefined` when it is not declared JSON (Apollo then
 * answers what a GraphQL POST must be), `{}` when empty. Refuses a body over
 * {@link MAX_BODY_BYTES} as soon as it is known to be, one in another charset or
 * compressed, and JSON that does not parse or is not an object or array.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const contentType = req.headers['content-type'];
  if (!isJson(contentType)) return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType!)?.[1]?.toLowerCase();
  const encoding = req.headers['content-encoding']?.toLowerCase() ?? 'identity';
  if ((charset && charset !== 'utf-8' && charset !== 'utf8') || encoding !== 'identity') throw unreadable();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  // A byte-order mark is not JSON, but some clients send one.
  const text = stripBom(await readText(req));
  if (text.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyRefusal(400, ErrorCode.BAD_REQUEST, 'The request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object') throw new BodyRefusal(400, ErrorCode.BAD_REQUEST, 'The request body is not valid JSON');
  return body;
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

// Chunks joined once at the end, decoded as UTF-8 in one pass.
function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        finish();
        // Stop buffering, but let the rest drain so the answer can still be read.
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, bytes).toString('utf8'));
    };
    const onError = () => {
      finish();
      reject(unreadable());
    };
    // A client that hangs up mid-body: nothing will be answered, but the promise settles
    // (after 'end' this listener is gone).
    const onClose = () => {
      finish();
      reject(unreadable());
    };
    const finish = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}
