/*
 * Apollo Server repeats, on every request, pure computations whose inputs hardly vary from
 * one request to the next: the SHA-256 of the query text (the key of its parsed-document
 * cache, found through @apollo/utils.createhash, which also looks the crypto module up on
 * every call), Accept negotiation (twice: the answer's content type, and whether
 * incremental delivery uses its legacy format) and the parse of Content-Type (CSRF
 * prevention). Each is replaced, once, in the very modules Apollo loads, by the same
 * computation remembered for recent inputs. Together they were about 5% of an album-by-id
 * request's CPU in a profile under load.
 */
import { createHash, type BinaryToTextEncoding, type Hash } from 'node:crypto';
import { createRequire } from 'node:module';

/** Requires a module as Apollo Server itself does (resolved from it, wherever npm placed it). */
const apolloRequire = createRequire(require.resolve('@apollo/server'));

/**
 * `compute`, remembering its results for up to `maxEntries` recent inputs totalling at
 * most `maxChars` characters; when either bound is reached, all are forgotten at once.
 * Inputs come from clients, so both bounds hold whatever they send.
 */
export function remembered<R>(compute: (input: string) => R, maxEntries: number, maxChars: number): (input: string) => R {
  const results = new Map<string, R>();
  let chars = 0;
  return (input) => {
    if (results.has(input)) return results.get(input) as R;
    const result = compute(input);
    if (input.length > maxChars) return result;
    if (results.size >= maxEntries || chars + input.length > maxChars) {
      results.clear();
      chars = 0;
    }
    results.set(input, result);
    chars += input.length;
    return result;
  };
}

// --- The document cache's key: SHA-256 of the query text ---------------------------------

const sha256Hex = remembered((text) => createHash('sha256').update(text).digest('hex'), 2000, 4_000_000);

/**
 * A SHA-256 whose hex digest of one string is remembered; anything else (several updates,
 * a Buffer, another encoding) is hashed as it comes.
 */
class RememberedSha256 {
  private text: string | undefined;
  private hash: Hash | undefined;

  update(data: string | NodeJS.ArrayBufferView, encoding?: BufferEncoding): this {
    if (this.text === undefined && this.hash === undefined && typeof data === 'string' && encoding === undefined) {
      this.text = data;
      return this;
    }
    this.hash ??= createHash('sha256');
    if (this.text !== undefined) this.hash.update(this.text);
    this.text = undefined;
    if (typeof data === 'string') this.hash.update(data, encoding ?? 'utf8');
    else this.hash.update(data);
    return this;
  }

  digest(encoding?: BinaryToTextEncoding): string | Buffer {
    if (this.text !== undefined && encoding === 'hex') return sha256Hex(this.text);
    const hash = this.hash ?? createHash('sha256').update(this.text ?? '');
    return encoding === undefined ? hash.digest() : hash.digest(encoding);
  }
}

/** The module Apollo Server hashes with. */
export const apolloCreateHash = apolloRequire('@apollo/utils.createhash') as { createHash: (kind: string) => unknown };

/** Apollo's hash: SHA-256 remembered, any other kind from the crypto module loaded once. */
export const hashOnce = (kind: string) => (kind === 'sha256' ? new RememberedSha256() : createHash(kind));

apolloCreateHash.createHash = hashOnce;

// --- Accept negotiation --------------------------------------------------------------------

interface NegotiatorLike {
  request: { headers: { accept?: string } };
}

/** The Negotiator Apollo negotiates with (a new one per request, each asked `mediaType`). */
export const ApolloNegotiator = apolloRequire('negotiator') as {
  new (request: NegotiatorLike['request']): NegotiatorLike & { mediaType(available?: string[]): string | undefined };
  prototype: { mediaType(this: NegotiatorLike, available?: string[]): string | undefined };
};

const negotiate = ApolloNegotiator.prototype.mediaType;
// Keyed by the types offered and the header, which may be missing (any type: not an empty one).
const preferred = remembered((key) => {
  const [offered, accept] = key.split('\n');
  return negotiate.call(new ApolloNegotiator({ headers: { accept: accept === '-' ? undefined : accept.slice(1) } }), offered.split('\t'));
}, 1000, 200_000);

ApolloNegotiator.prototype.mediaType = function mediaType(this: NegotiatorLike, available?: string[]) {
  const accept = this.request.headers.accept;
  // Media types hold no tab or newline; a header that does (or is long) is negotiated as it comes.
  if (!available || (accept !== undefined && (accept.length > 1000 || accept.includes('\n')))) return negotiate.call(this, available);
  return preferred(`${available.join('\t')}\n${accept === undefined ? '-' : `+${accept}`}`);
};

// --- Content-Type parsing ------------------------------------------------------------------

/** The MIME type parser Apollo reads Content-Type with (for CSRF prevention, and on GET). */
export const ApolloMimeType = apolloRequire('whatwg-mimetype') as { parse(text: string): { essence: string } | null };

// Apollo only reads `essence` of what it parses, so one parsed value can serve every request.
ApolloMimeType.parse = remembered(ApolloMimeType.parse.bind(ApolloMimeType), 1000, 200_000);
