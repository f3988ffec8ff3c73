import express from 'express';
import type { Limits } from '../config';
import { checkDocumentText } from '../graphql/limits';
import { ErrorCode, httpErrorBody } from '../errors';

/** Largest HTTP body accepted: a document within its limit plus variables. */
const MAX_BODY = '1mb';

/**
 * Parses a JSON body, answering a malformed or oversized one with a GraphQL-shaped JSON
 * error (express's default is an HTML page, with a stack trace outside production).
 */
export function jsonBody(): Array<express.RequestHandler | express.ErrorRequestHandler> {
  return [express.json({ limit: MAX_BODY }), jsonErrors];
}

function jsonErrors(err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction): void {
  const failure = err as { type?: string; status?: number };
  if (failure.type === 'entity.too.large') {
    res.status(413).json(httpErrorBody(ErrorCode.DOCUMENT_TOO_LARGE, `The request body is larger than ${MAX_BODY}`));
  } else if (failure.type === 'entity.parse.failed') {
    res.status(400).json(httpErrorBody(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON'));
  } else if (typeof failure.status === 'number' && failure.status >= 400 && failure.status < 500) {
    res.status(failure.status).json(httpErrorBody(ErrorCode.BAD_REQUEST, 'The request body could not be read (check Content-Type and Content-Encoding)'));
  } else {
    next(err);
  }
}

/**
 * Refuses a document over its size or token limit before it is parsed, answering as
 * Apollo answers a refused operation (JSON, HTTP 4xx, `extensions.code`).
 */
export function documentLimits(limits: Limits): express.RequestHandler {
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string') return next();
    const refused = checkDocumentText(query, limits);
    if (!refused) return next();
    const { http, ...extensions } = refused.extensions as { http?: { status: number } };
    res.status(http?.status ?? 400).json({ errors: [{ message: refused.message, extensions }] });
  };
}

/** Unknown routes and unexpected failures, as JSON: never express's HTML page or a stack trace. */
export function fallbackHandlers(onError: (err: unknown) => void): Array<express.RequestHandler | express.ErrorRequestHandler> {
  const notFound: express.RequestHandler = (req, res) => {
    res.status(404).json(httpErrorBody(ErrorCode.NOT_FOUND, `No route ${req.method} ${req.path.slice(0, 100)}; the API is at /graphql`));
  };
  const failed: express.ErrorRequestHandler = (err, _req, res, _next) => {
    onError(err);
    if (!res.headersSent) res.status(500).json(httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
  };
  return [notFound, failed];
}

/**
 * An AbortSignal for one request: aborted when its deadline passes, or when its client
 * hangs up before the answer is sent. The timer is cleared when the response closes.
 */
export function requestSignal(res: express.Response, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(new Error(`request deadline of ${timeoutMs} ms passed`)), timeoutMs) : undefined;
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(new Error('client hung up'));
  });
  return controller.signal;
}
