import express from 'express';
import type { ServerResponse } from 'node:http';
import { ErrorCode, httpErrorBody } from '../errors';

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
export function requestSignal(res: ServerResponse, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(new Error(`request deadline of ${timeoutMs} ms passed`)), timeoutMs) : undefined;
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(new Error('client hung up'));
  });
  return controller.signal;
}
