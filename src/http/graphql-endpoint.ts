import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import type { Limits } from '../config';
import { ErrorCode, httpErrorBody } from '../errors';
import { checkDocumentText } from '../graphql/limits';
import { BodyRefusal, readJsonBody } from './request-body';

/** What builds an operation's context from its HTTP request. */
export type HttpContext<C> = (http: { req: IncomingMessage; res: ServerResponse }) => Promise<C>;

export interface EndpointOptions<C extends BaseContext> {
  apollo: ApolloServer<C>;
  context: HttpContext<C>;
  /** Document limits checked before Apollo parses anything; none when absent. */
  limits?: Limits;
  onError(err: unknown): void;
}

// As the `cors` package answers by default: any origin, the usual methods, the asked headers.
const ORIGIN_HEADER = 'access-control-allow-origin';
const ALLOW_ORIGIN = { [ORIGIN_HEADER]: '*' } as const;
const PREFLIGHT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * The GraphQL endpoint on plain node:http: reads the body, refuses documents over their
 * limits, hands the request to Apollo and writes its answer. It is Apollo's own
 * integration contract (`executeHTTPGraphQLRequest`) without a framework in between:
 * every GraphQL request passes here, so each layer it skips is CPU saved per request.
 */
export function graphqlEndpoint<C extends BaseContext>({ apollo, context, limits, onError }: EndpointOptions<C>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method === 'OPTIONS') return preflight(req, res);
      const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
      const questionMark = req.url!.indexOf('?');
      const search = questionMark < 0 ? '' : req.url!.slice(questionMark);
      const refused = limits && documentRefusal(req.method === 'GET' ? new URLSearchParams(search).get('query') : (body as { query?: unknown } | undefined)?.query, limits);
      if (refused) return sendJson(res, refused.status, refused.body);
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method!, headers: headerMap(req), search, body },
        context: () => context({ req, res }),
      });
      await send(res, answer);
    } catch (err) {
      // The rest of an oversized body is read and dropped (bounded by the server's
      // requestTimeout), as body-parser did: closing at once could reset the connection
      // before the client has read the answer.
      if (err instanceof BodyRefusal) return sendJson(res, err.status, httpErrorBody(err.code, err.message));
      onError(err);
      if (!res.headersSent) sendJson(res, 500, httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
      else res.destroy();
    }
  };
}

// A document over its size or token limit, answered as Apollo answers a refused operation.
function documentRefusal(query: unknown, limits: Limits) {
  if (typeof query !== 'string') return undefined;
  const refused = checkDocumentText(query, limits);
  if (!refused) return undefined;
  const { http, ...extensions } = refused.extensions as { http?: { status: number } };
  return { status: http?.status ?? 400, body: { errors: [{ message: refused.message, extensions }] } };
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function send(res: ServerResponse, answer: HTTPGraphQLResponse): Promise<void> {
  res.statusCode = answer.status ?? 200;
  res.setHeader(ORIGIN_HEADER, ALLOW_ORIGIN[ORIGIN_HEADER]);
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  if (answer.body.kind === 'complete') {
    res.end(answer.body.string);
    return;
  }
  // Incremental delivery (not enabled with graphql 16): stop, closing the iterator, once the client has gone.
  for await (const chunk of answer.body.asyncIterator) {
    if (res.destroyed) return;
    res.write(chunk);
  }
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...ALLOW_ORIGIN, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  const asked = req.headers['access-control-request-headers'];
  res.writeHead(204, {
    ...ALLOW_ORIGIN,
    'access-control-allow-methods': PREFLIGHT_METHODS,
    ...(asked ? { 'access-control-allow-headers': asked, vary: 'Access-Control-Request-Headers' } : {}),
    'content-length': '0',
  });
  res.end();
}
