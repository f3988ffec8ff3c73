import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { authAs } from '../helpers/tokens';

// Debian's Chromium (`.ci/run` installs it): Playwright's own browser downloads are not
// reachable from where this runs.
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = join(__dirname, '..', '..');
/** Written by every run; copied to docs/explorer.png (the README's picture) with UPDATE_SCREENSHOT=1. */
const SCREENSHOT = join(ROOT, '.scratch', 'explorer.png');

// Skipped only on a developer's machine without Chromium; in CI a missing browser fails.
const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runs) console.warn(`Skipping the explorer browser test: ${CHROMIUM} is missing (apt-get install chromium)`);
const describeInBrowser = runs ? describe : describe.skip;

const QUERY = '{ albums(first: 2) { nodes { title artist { name } } } }';

/** The text of a GraphiQL CodeMirror 5 editor, read from CodeMirror itself (it renders only visible lines). */
function editorText(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => (globalThis as any).document.querySelector(`${sel} .CodeMirror`).CodeMirror.getValue() as string, selector);
}

describeInBrowser('GraphiQL explorer at GET /graphql', () => {
  let database: TestDatabase;
  let api: TestServer;
  let browser: Browser;
  /** Requests the page made to anywhere but the API: there must be none. */
  const offsite: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestServer(database.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await database?.drop();
  });

  it('runs a query typed into the editor, offline, and shows the answer', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const origin = new URL(api.url).origin;
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(origin)) return route.continue();
      offsite.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    await page.goto(api.url);
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    // Typed key by key: CodeMirror closes brackets as they open and steps over the closing ones.
    await page.keyboard.type(QUERY);
    expect((await editorText(page, '.graphiql-query-editor')).replace(/\s+/g, ' ').trim()).toBe(QUERY);

    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction(() => /"albums"/.test((globalThis as any).document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? ''));
    const shown = JSON.parse(await editorText(page, '.graphiql-response'));
    expect(shown).toEqual({ data: (await api.query(QUERY)).data });
    expect(shown.data.albums.nodes).toHaveLength(2);
    expect(offsite).toEqual([]);

    // Laid out by GraphiQL's own prettifier, for the picture.
    await page.locator('[aria-label^="Prettify"]').click();
    mkdirSync(join(ROOT, '.scratch'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(SCREENSHOT, join(ROOT, 'docs', 'explorer.png'));
  });

  it('runs a subscription over graphql-ws, signed in with the Headers tab, and shows its events', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(api.url);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    const employee = await authAs({ role: 'employee', employeeId: 1 });
    const created = await api.query('mutation { createPlaylist(input: { name: "Watched" }) { playlist { id } } }', {}, employee);
    const id = created.data.createPlaylist.playlist.id;
    const customer = await authAs({ role: 'customer', customerId: 2 });
    await page.evaluate(
      ({ query, headers }) => {
        const doc = (globalThis as any).document;
        doc.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query);
        const editors = [...doc.querySelectorAll('.graphiql-editor-tool .CodeMirror')].map((e: any) => e.CodeMirror);
        editors.find((cm: any) => cm.getValue().includes('Authorization')).setValue(headers);
      },
      { query: `subscription { playlistChanged(id: "${id}") { kind playlist { name } } }`, headers: JSON.stringify({ Authorization: customer.authorization }) },
    );
    await page.locator('.graphiql-execute-button').click();
    const subscribed = async () => ((await (await fetch(api.url.replace('/graphql', '/health'))).json()) as { live: { subscriptions: number } }).live.subscriptions;
    for (const deadline = Date.now() + 10_000; (await subscribed()) < 1 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    await api.query(`mutation { renamePlaylist(input: { playlistId: "${id}", name: "Renamed in the browser" }) { playlist { id } } }`, {}, employee);
    await page.waitForFunction(() => /Renamed in the browser/.test((globalThis as any).document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? ''));
    expect(JSON.parse(await editorText(page, '.graphiql-response'))).toEqual({ data: { playlistChanged: { kind: 'RENAMED', playlist: { name: 'Renamed in the browser' } } } });
    // Stopping it in the browser ends the subscription on the server.
    await page.locator('.graphiql-execute-button').click();
    for (const deadline = Date.now() + 10_000; (await subscribed()) > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await subscribed()).toBe(0);
    await page.close();
  });

  it('leaves API requests that do not ask for HTML to the API', async () => {
    const res = await fetch(api.url, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/json/);
  });
});
