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
 * Cancels one request's database work (`cancel`) when its deadline passes, `timeoutMs`
 * after `started` (a `performance.now()` reading), or when its client hangs up before the
 * answer is sent. The timer is cleared when the response closes. Plain callbacks rather
 * than an AbortController: every HTTP request makes one, and an AbortSignal with its
 * listener cost about 2% of a single-row request's CPU.
 */
export function cancelWithResponse(res: ServerResponse, cancel: (reason: Error) => void, timeoutMs: number, started: number): void {
  const hungUp = () => new Error('client hung up');
  if (res.closed) return res.writableFinished ? undefined : cancel(hungUp());
  const deadline = () => cancel(new Error(`request deadline of ${timeoutMs} ms passed`));
  const remaining = timeoutMs - (performance.now() - started);
  if (timeoutMs > 0 && remaining <= 0) deadline();
  const timer = timeoutMs > 0 && remaining > 0 ? setTimeout(deadline, remaining) : undefined;
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) cancel(hungUp());
  });
}
