/* The fan-out scenario's part of the Markdown report and of the README section. */
import type { FanoutResults, FanoutRow } from './fanout';

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? num(x) : num(x, 1)) : '–');
/** Rates: a decimal below 100, where one matters. */
const rate = (x: number) => num(x, Math.abs(x) < 100 ? 1 : 0);
const ratio = (a: number, b: number) => (b > 0 ? `${num(a / b, a / b < 10 ? 1 : 0)}×` : '∞');

function description(r: FanoutResults): string {
  const { eventsPerSecond, seconds, pollIntervalMs } = r.plan;
  return (
    `An employee renames one playlist ${eventsPerSecond} times a second for ${seconds} s while N clients watch it: each either subscribed to ` +
    '`playlistChanged` over its own graphql-ws socket, or polling the same query (`playlist { name trackCount tracks(first: 20) { nodes { name album { title } } } }`) ' +
    `over HTTP every ${num(pollIntervalMs / 1000, 1)} s with its own token. "Seen after": from the rename being sent to a client holding the renamed playlist ` +
    '(subscribed: the result arriving; polling: the first answer showing it or a later state). Statements are those of the clients\' server; the renames go ' +
    'through a second server process and count in neither column. Clients, both servers and PostgreSQL share the machine.'
  );
}

/** The side-by-side table: how soon a change is seen, and what watching costs PostgreSQL. */
function sideBySide(rows: FanoutRow[]): string[] {
  return [
    '| N | subscribed: seen after p50 · p99 ms | polling each second: seen after p50 · p99 ms | subscribed: statements per event | subscribed: statements/s | polling: req/s | polling: statements/s | polling ÷ subscribed statements |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ({ watchers, subscription: s, polling: p }) =>
        `| ${num(watchers)} | ${ms(s.delivery.p50)} · ${ms(s.delivery.p99)} | ${ms(p.seen.p50)} · ${ms(p.seen.p99)} | ${num(s.statementsPerEvent, 1)} | ${rate(s.statementsPerSecond)} | ` +
        `${rate(p.rps)} | ${rate(p.statementsPerSecond)} | ${ratio(p.statementsPerSecond, s.statementsPerSecond)} |`,
    ),
  ];
}

function subscriptionDetail(rows: FanoutRow[]): string[] {
  return [
    '| N | renames/s | delivered / expected | seen after p50 · p99 · max ms | server commit→send ≈p50 · ≈p99 · mean ms | statements per event | statements/s | server CPU | sockets opened in |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ watchers, subscription: s }) => {
      const issues = [s.errors && `${s.errors} errors`, s.closedEarly && `${s.closedEarly} closed`, s.stale && `${s.stale} stale`].filter(Boolean).join(', ');
      return (
        `| ${num(watchers)} | ${num(s.eventsPerSecond, 1)} | ${num(s.delivered)} / ${num(s.expected)}${issues ? ` (${issues})` : ''} | ${ms(s.delivery.p50)} · ${ms(s.delivery.p99)} · ${ms(s.delivery.max)} | ` +
        `${ms(s.serverDelivery.p50)} · ${ms(s.serverDelivery.p99)} · ${ms(s.serverDelivery.mean)} | ${num(s.statementsPerEvent, 1)} | ${rate(s.statementsPerSecond)} | ${num(s.cpuPercent)}% | ${num(s.connectSeconds, 1)} s |`
      );
    }),
  ];
}

function pollingDetail(rows: FanoutRow[]): string[] {
  return [
    '| N | req/s (offered) | response p50 · p99 ms | errors | seen after p50 · p99 · max ms | changes never seen | statements per request | statements/s | server CPU |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ({ watchers, polling: p }) =>
        `| ${num(watchers)} | ${rate(p.rps)} (${num(p.offeredRps)}) | ${ms(p.response.p50)} · ${ms(p.response.p99)} | ${num(p.errors)}${codes(p.errorCodes)} | ${ms(p.seen.p50)} · ${ms(p.seen.p99)} · ${ms(p.seen.max)} | ` +
        `${num(p.unseen)} | ${num(p.statementsPerRequest, 1)} | ${rate(p.statementsPerSecond)} | ${num(p.cpuPercent)}% |`,
    ),
  ];
}

const codes = (byCode: Record<string, number>) => {
  const entries = Object.entries(byCode);
  return entries.length ? ` (${entries.map(([code, n]) => `${num(n)} ${code}`).join(', ')})` : '';
};

/** The report's fan-out section. */
export function fanoutMarkdown(r: FanoutResults): string[] {
  return [
    '## Fan-out: N clients watching one playlist',
    '',
    description(r),
    '',
    ...sideBySide(r.rows),
    '',
    '### Subscribed',
    '',
    '"server commit→send" is the server\'s `event_delivery_seconds` (from the writing statement to the result handed to the socket), estimated within its histogram buckets; "server CPU" is the clients\' server process, % of one core.',
    '',
    ...subscriptionDetail(r.rows),
    '',
    '### Polling',
    '',
    'A poller sends its next request on its next tick, or at once when the answer came after it, never two at a time. Fewer requests per second than offered means the server could not keep up, and its clients see changes later still.',
    '',
    ...pollingDetail(r.rows),
    '',
    ...(r.problems.length > 0 ? ['Problems:', '', ...r.problems.map((p) => `- ❌ ${p}`), ''] : ['No result lost or stale, no errors; every socket and subscription was freed after each N (`ws_sockets_open` and `subscriptions_active` back to 0).', '']),
  ];
}

/** The README's fan-out lines: the side-by-side table. */
export function fanoutReadme(r: FanoutResults, reportPath: string): string[] {
  return [
    `Fan-out (one playlist renamed ${r.plan.eventsPerSecond}×/s; N clients subscribed over graphql-ws, or polling over HTTP each second; details in [${reportPath}](${reportPath})):`,
    '',
    ...sideBySide(r.rows),
    '',
  ];
}
