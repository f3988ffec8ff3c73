import { request } from 'node:http';
import { connect } from 'node:net';
import { useTestApi } from '../helpers/api';

const handle = useTestApi();

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, handle.api.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

// Sends `chunks` as a chunked body (no Content-Length), so the size is known only as it arrives.
function streamed(chunks: number, chunk: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(handle.api.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.write('{"query":"{ version }","variables":{"pad":"');
    let sent = 0;
    const more = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', more);
      }
      req.end('"}}');
    };
    more();
  });
}

describe('the GraphQL endpoint on node:http', () => {
  it('answers CORS preflights and marks answers readable from any origin', async () => {
    const preflight = await fetch(handle.api.url, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    const answer = await post('/graphql', JSON.stringify({ query: '{ version }' }), { origin: 'https://shop.example' });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('negotiates the answer type from Accept and refuses what may be a cross-site request, asked twice alike', async () => {
    for (let round = 0; round < 2; round++) {
      const typeFor = async (accept?: string) => {
        const res = await post('/graphql', JSON.stringify({ query: '{ version }' }), accept === undefined ? {} : { accept });
        return [res.status, res.headers.get('content-type')];
      };
      expect(await typeFor()).toEqual([200, 'application/json; charset=utf-8']);
      expect(await typeFor('application/graphql-response+json, application/json;q=0.9')).toEqual([200, 'application/graphql-response+json; charset=utf-8']);
      expect((await typeFor('image/png'))[0]).toBe(406);
      // A GET a browser could send from any page (no preflighted header) is refused; with one it runs.
      const viaGet = (headers: Record<string, string>) => fetch(`${handle.api.url}?query=${encodeURIComponent('{ version }')}`, { headers });
      expect((await viaGet({})).status).toBe(400);
      expect((await viaGet({ 'content-type': 'text/plain' })).status).toBe(400);
      expect((await viaGet({ 'apollo-require-preflight': 'true' })).status).toBe(200);
    }
  });

  it('serves the same API on the routes express handles: GET, and the path with a trailing slash', async () => {
    const viaGet = await fetch(`${handle.api.url}?query=${encodeURIComponent('{ album(id: 1) { title } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    const viaSlash = await post('/graphql/', JSON.stringify({ query: '{ album(id: 1) { title } }' }));
    const direct = await post('/graphql', JSON.stringify({ query: '{ album(id: 1) { title } }' }));
    const expected = await direct.json();
    expect(expected).toEqual({ data: { album: { title: expect.any(String) } } });
    expect(await viaGet.json()).toEqual(expected);
    expect(await viaSlash.json()).toEqual(expected);
  });

  it('reads a body that starts with a byte-order mark', async () => {
    const res = await post('/graphql', `\uFEFF${JSON.stringify({ query: '{ version }' })}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { version: string } }).data.version).toEqual(expect.any(String));
  });

  it('refuses compressed bodies and other charsets with BAD_REQUEST, as JSON', async () => {
    const cases: Array<Record<string, string>> = [{ 'content-encoding': 'gzip' }, { 'content-type': 'application/json; charset=utf-16' }];
    for (const headers of cases) {
      const res = await post('/graphql', JSON.stringify({ query: '{ version }' }), headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('refuses a streamed body once it passes 1 MB, without reading the rest into memory', async () => {
    const res = await streamed(64, 'x'.repeat(64 * 1024));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe('DOCUMENT_TOO_LARGE');
    expect((await handle.api.query('{ version }')).data).toBeDefined();
  });

  it('lets a client hang up in the middle of its body, leaving nothing in flight', async () => {
    const socket = connect(Number(new URL(handle.api.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"query":"{ ver');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handle.api.server.operationsInFlight()).toBe(0);
    expect((await handle.api.query('{ version }')).data).toBeDefined();
  });
});
