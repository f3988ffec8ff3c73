import { dirname, join } from 'node:path';
import type express from 'express';

/** Where the explorer's scripts and styles are served from (absolute, so `/graphql/` works too). */
export const EXPLORER_ASSETS_PATH = '/explorer';

// Files from the npm packages, resolved through package.json because graphiql's and
// react's "exports" hide their UMD builds from require.resolve.
const packageFile = (name: string, file: string) => join(dirname(require.resolve(`${name}/package.json`)), file);

const FILES = new Map([
  ['react.js', packageFile('react', 'umd/react.production.min.js')],
  ['react-dom.js', packageFile('react-dom', 'umd/react-dom.production.min.js')],
  ['graphiql.js', packageFile('graphiql', 'graphiql.min.js')],
  ['graphiql.css', packageFile('graphiql', 'graphiql.min.css')],
  ['graphql-ws.js', packageFile('graphql-ws', 'umd/graphql-ws.min.js')],
]);

/** The headers editor starts with an empty Authorization header: the API reads "" as anonymous. */
const DEFAULT_HEADERS = JSON.stringify({ Authorization: '' }, null, 2);

const DEFAULT_QUERY = `# Media store API. Ctrl-Enter runs the operation.
# To sign in, put "Bearer <token>" in the Authorization header below
# (npm run token -- --customer 5, or --employee 1).
{
  albums(first: 3) {
    nodes {
      title
      artist { name }
    }
  }
}
`;

// Runs in the browser. The page is served at the API's own path, so the endpoint is the
// page's address. Subscriptions go to the same path over graphql-ws (ws:// or wss://),
// signed in with the Authorization header of the Headers tab (sent in connection_init, one
// socket per header value); everything else goes over HTTP with the headers as they are.
const START_SCRIPT = `'use strict';
(function () {
  var endpoint = location.origin + location.pathname;
  var http = GraphiQL.createFetcher({ url: endpoint });
  var sockets = {};
  function socketFor(authorization) {
    return sockets[authorization] || (sockets[authorization] = graphqlWs.createClient({
      url: endpoint.replace(/^http/, 'ws'),
      connectionParams: { authorization: authorization },
      lazy: true,
    }));
  }
  // Whether the operation to run is a subscription: the named one, or the document's first.
  function isSubscription(query, operationName) {
    var text = query.replace(/#[^\\n]*/g, '');
    var operations = /\\b(query|mutation|subscription)\\s+([_A-Za-z][_0-9A-Za-z]*)/g, found, named;
    while (operationName && (found = operations.exec(text))) if (found[2] === operationName) named = found;
    var first = /^\\s*(query|mutation|subscription)?\\s*[{A-Za-z_]/.exec(text.replace(/\\bfragment\\b[^{]*{[^]*$/, ''));
    return (named ? named[1] : first && first[1]) === 'subscription';
  }
  function fetcher(params, options) {
    if (!isSubscription(params.query || '', params.operationName)) return http(params, options);
    var headers = (options && options.headers) || {};
    var authorization = headers.Authorization || headers.authorization || '';
    return {
      subscribe: function (sink) {
        var observer = typeof sink === 'function' ? { next: sink } : sink;
        var dispose = socketFor(authorization).subscribe(
          { query: params.query, variables: params.variables, operationName: params.operationName },
          {
            next: function (value) { observer.next && observer.next(value); },
            error: function (error) {
              var reason = error && error.code ? 'The socket closed: ' + error.code + ' ' + (error.reason || '') : String(error && error.message || error);
              observer.next && observer.next(Array.isArray(error) ? { errors: error } : { errors: [{ message: reason }] });
              observer.complete && observer.complete();
            },
            complete: function () { observer.complete && observer.complete(); },
          },
        );
        return { unsubscribe: dispose };
      },
    };
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
      defaultHeaders: ${JSON.stringify(DEFAULT_HEADERS)},
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: true,
    }),
  );
})();
`;

const PAGE_CSS = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

// No inline script or style, so the page also works under a strict Content-Security-Policy.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Media store API · GraphiQL</title>
<link rel="stylesheet" href="${EXPLORER_ASSETS_PATH}/graphiql.css">
<link rel="stylesheet" href="${EXPLORER_ASSETS_PATH}/page.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${EXPLORER_ASSETS_PATH}/react.js"></script>
<script src="${EXPLORER_ASSETS_PATH}/react-dom.js"></script>
<script src="${EXPLORER_ASSETS_PATH}/graphiql.js"></script>
<script src="${EXPLORER_ASSETS_PATH}/graphql-ws.js"></script>
<script src="${EXPLORER_ASSETS_PATH}/start.js"></script>
</body>
</html>
`;

/** True for a browser's page load: a GET without an operation that prefers HTML to JSON. */
function wantsPage(req: express.Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/**
 * Mounts GraphiQL, served from the installed npm packages (no CDN, so it works offline):
 * the page at `GET <path>` for browsers (other requests go on to the API) and its files
 * under {@link EXPLORER_ASSETS_PATH}. Mount it before the API's middleware, outside
 * production only.
 */
export function mountExplorer(app: express.Express, path: string): void {
  app.get(path, (req, res, next) => {
    if (!wantsPage(req)) return next();
    res.type('html').set('cache-control', 'no-cache').send(PAGE);
  });
  app.get(`${EXPLORER_ASSETS_PATH}/start.js`, (_req, res) => {
    res.type('js').set('cache-control', 'no-cache').send(START_SCRIPT);
  });
  app.get(`${EXPLORER_ASSETS_PATH}/page.css`, (_req, res) => {
    res.type('css').set('cache-control', 'no-cache').send(PAGE_CSS);
  });
  app.get(`${EXPLORER_ASSETS_PATH}/:file`, (req, res, next) => {
    const file = FILES.get(req.params.file);
    if (!file) return next();
    // Pinned package versions: a day's caching, revalidated by Last-Modified after that.
    res.sendFile(file, { maxAge: '1d' });
  });
}
