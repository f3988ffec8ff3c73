/* Turns a run's results into the Markdown report, the SVG chart and the README section. */
import { SERVER_KINDS, SERVER_TITLES, type ServerKind } from './servers/protocol';
import { fanoutMarkdown, fanoutReadme } from './fanout-report';
import { COMPARED_CONNECTION_LIMIT, TARGET_CONCURRENCY, type BenchResults, type SweepCell } from './results';

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? num(x) : num(x, 1)) : '–');

export function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}${m.postgraphile ? `; PostGraphile ${m.postgraphile}` : ''}`;
}

function settingsLine(r: BenchResults): string {
  const s = r.settings;
  return (
    `Scale ${s.scale} (${num(s.sizes.albums)} albums, ${num(s.sizes.tracks)} tracks, ${num(s.sizes.customers)} customers, ${num(s.sizes.invoices)} invoices); ` +
    `${s.seconds} s per cell after ${s.warmupSeconds} s warm-up` +
    (s.passes && s.passes > 1 ? `; at c=${TARGET_CONCURRENCY}, ${s.passes} passes over the servers in rotating order, each figure the median of its passes` : '') +
    `; connection_limit=${s.connectionLimit} for every server; ` +
    `load generator, servers and PostgreSQL share the machine.`
  );
}

/** Smallest pool size within 5% of the sweep's best throughput, per scenario. */
export function sizingAdvice(sweep: SweepCell[]): string[] {
  const byScenario = new Map<string, SweepCell[]>();
  for (const c of sweep) byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
  return [...byScenario].map(([scenario, cells]) => {
    const best = cells.reduce((a, b) => (b.rps > a.rps ? b : a));
    const enough = cells.filter((c) => c.rps >= 0.95 * best.rps).sort((a, b) => a.connectionLimit - b.connectionLimit)[0];
    return `${scenario}: best ${num(best.rps)} req/s at connection_limit=${best.connectionLimit}; ${enough.connectionLimit} connections already reach 95% of it.`;
  });
}

function summaryTable(r: BenchResults, concurrency: number): string[] {
  const servers = SERVER_KINDS.filter((k) => r.cells.some((c) => c.server === k && c.concurrency === concurrency));
  const lines = [
    `| scenario (c=${concurrency}) | ${servers.map((k) => `${SERVER_TITLES[k]} req/s · p99 ms`).join(' | ')} |`,
    `|---|${servers.map(() => '---:').join('|')}|`,
  ];
  for (const s of r.scenarios) {
    const row = servers.map((k) => {
      const c = r.cells.find((x) => x.server === k && x.scenario === s.name && x.concurrency === concurrency);
      return c ? `${num(c.rps)} · ${ms(c.p99)}${c.errors ? ` (${num(c.errors)} errors)` : ''}` : '–';
    });
    lines.push(`| ${s.title} | ${row.join(' | ')} |`);
  }
  return lines;
}

/** The concurrency the comparisons are read at: the target's when measured, else the highest measured. */
const headline = (r: BenchResults) =>
  r.cells.some((c) => c.concurrency === TARGET_CONCURRENCY) ? TARGET_CONCURRENCY : Math.max(...r.settings.concurrency);

const cellOf = (r: BenchResults, server: ServerKind, scenario: string, concurrency: number) =>
  r.cells.find((x) => x.server === server && x.scenario === scenario && x.concurrency === concurrency);
const cpu = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? num(x, 2) : '–');

/** CPU per request by process accounting, API process and PostgreSQL, per server. */
function cpuTable(r: BenchResults, concurrency: number): string[] {
  const servers = SERVER_KINDS.filter((k) => r.cells.some((c) => c.server === k && c.concurrency === concurrency));
  if (servers.length === 0) return [];
  return [
    `| CPU ms per request (c=${concurrency}), API / PostgreSQL | ${servers.map((k) => SERVER_TITLES[k]).join(' | ')} |`,
    `|---|${servers.map(() => '---:').join('|')}|`,
    ...r.scenarios.map((s) => {
      const row = servers.map((k) => {
        const c = cellOf(r, k, s.name, concurrency);
        return c ? `${cpu(c.apiCpuMsPerRequest)} / ${cpu(c.postgresCpuMsPerRequest)}` : '–';
      });
      return `| ${s.title} | ${row.join(' | ')} |`;
    }),
  ];
}

/** The product over PostGraphile and over the raw SQL bound: throughput, p99 and PostgreSQL CPU. */
function ratioTable(r: BenchResults, concurrency: number): string[] {
  const peers = (['postgraphile', 'raw-sql'] as const).filter((k) => r.cells.some((c) => c.server === k && c.concurrency === concurrency));
  if (peers.length === 0 || !r.cells.some((c) => c.server === 'pooled' && c.concurrency === concurrency)) return [];
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? num(a / b, 2) : '–');
  const heads = peers.flatMap((k) => [`req/s ÷ ${SERVER_TITLES[k]}`, `p99 ÷ ${SERVER_TITLES[k]}`, `PostgreSQL CPU/req ÷ ${SERVER_TITLES[k]}`]);
  return [
    `| product ÷ peer (c=${concurrency}) | ${heads.join(' | ')} |`,
    `|---|${heads.map(() => '---:').join('|')}|`,
    ...r.scenarios.map((s) => {
      const pooled = cellOf(r, 'pooled', s.name, concurrency);
      const cols = peers.flatMap((k) => {
        const peer = cellOf(r, k, s.name, concurrency);
        return [ratio(pooled?.rps, peer?.rps), ratio(pooled?.p99, peer?.p99), ratio(pooled?.postgresCpuMsPerRequest, peer?.postgresCpuMsPerRequest)];
      });
      return `| ${s.title} | ${cols.join(' | ')} |`;
    }),
  ];
}

function skippedLines(r: BenchResults): string[] {
  const skipped = r.skipped ?? [];
  if (skipped.length === 0) return [];
  const title = (name: string) => r.scenarios.find((s) => s.name === name)?.title ?? name;
  return ['Not measured:', '', ...skipped.map((x) => `- ${SERVER_TITLES[x.server]} · ${title(x.scenario)}: ${x.reason}.`), ''];
}

function targetTable(r: BenchResults): string[] {
  return ['| claim | measured | |', '|---|---:|:-:|', ...r.targets.map((t) => `| ${t.claim} | ${t.measured} | ${t.pass ? '✅' : '❌'} |`)];
}

function sweepTable(r: BenchResults): string[] {
  const scenarios = [...new Set(r.sweep.map((c) => c.scenario))];
  const limits = [...new Set(r.sweep.map((c) => c.connectionLimit))].sort((a, b) => a - b);
  return [
    `| connection_limit | ${scenarios.map((s) => `${s} req/s · p99 ms · peak conns`).join(' | ')} |`,
    `|---:|${scenarios.map(() => '---:').join('|')}|`,
    ...limits.map((limit) => {
      const cols = scenarios.map((s) => {
        const c = r.sweep.find((x) => x.scenario === s && x.connectionLimit === limit);
        return c ? `${num(c.rps)} · ${ms(c.p99)} · ${c.peakConnections}${c.errors ? ` (${c.errors} errors)` : ''}` : '–';
      });
      return `| ${limit} | ${cols.join(' | ')} |`;
    }),
  ];
}

const probed = (r: BenchResults) => SERVER_KINDS.filter((k) => r.probes.some((p) => p.server === k));

/** The full Markdown report of one run. */
export function markdownReport(r: BenchResults, chartFile: string): string {
  const out = [
    `# Benchmark ${r.date} (${r.mode})`,
    '',
    `Machine: ${machineLine(r)}.`,
    '',
    `${settingsLine(r)} Run took ${r.minutes.toFixed(1)} minutes.`,
    '',
    '## Claims',
    '',
    ...targetTable(r),
    '',
    `![Throughput and p99 latency per scenario and server at c=${TARGET_CONCURRENCY}](${chartFile})`,
    '',
    '## Statements per request',
    '',
    'Each scenario\'s requests sent once, one at a time, before any load. "same answers" compares every response with the product\'s.',
    '',
    `| scenario | ${probed(r).map((k) => SERVER_TITLES[k]).join(' | ')} |`,
    `|---|${probed(r).map(() => '---:').join('|')}|`,
    ...r.scenarios.map((s) => {
      const cols = probed(r).map((k) => {
        const p = r.probes.find((x) => x.server === k && x.scenario === s.name);
        return p ? `${num(p.statementsPerRequest, 1)}${p.matchesPooled === false ? ' ⚠ different answers' : ''}` : '–';
      });
      return `| ${s.title} | ${cols.join(' | ')} |`;
    }),
    '',
    ...skippedLines(r),
    `## Against PostGraphile and the raw SQL bound`,
    '',
    'Ratios of the product\'s figures to each peer\'s in the same run (above 1 is more throughput, a longer p99, more database CPU).',
    '',
    ...ratioTable(r, headline(r)),
    '',
    `CPU per request by process accounting (/proc utime + stime, from a cell's start until its last request finished): the server's process with any children, and PostgreSQL's postmaster with all its backends (the bench's own pg_stat_activity sampler included, about the same for every server).`,
    '',
    ...cpuTable(r, headline(r)),
    '',
    '## Every cell',
    '',
  ];
  for (const s of r.scenarios) {
    out.push(
      `### ${s.title}`,
      '',
      '| server | c | req/s | p50 ms | p95 ms | p99 ms | errors | stmts/req | CPU ms/req API | CPU ms/req PostgreSQL | peak conns | peak RSS MiB |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of r.cells.filter((x) => x.scenario === s.name)) {
      out.push(
        `| ${SERVER_TITLES[c.server]} | ${c.concurrency} | ${num(c.rps)} | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.p99)} | ${num(c.errors)} | ${num(c.statementsPerRequest, 1)} | ${cpu(c.apiCpuMsPerRequest)} | ${cpu(c.postgresCpuMsPerRequest)} | ${c.peakConnections} | ${num(c.peakRssMiB)} |`,
      );
    }
    out.push('');
  }
  if (r.sweep.length > 0) {
    out.push('## Pool-size sweep (product)', '', ...sweepTable(r), '', ...sizingAdvice(r.sweep).map((line) => `- ${line}`), '');
  }
  if (r.profiles.length > 0) {
    out.push('## Where the product\'s time goes', '', `CPU profile of the product's process under load at c=${TARGET_CONCURRENCY}, self time by library.`, '');
    const categories = [...new Set(r.profiles.flatMap((p) => p.shares.map((s) => s.category)))];
    out.push(`| | ${r.profiles.map((p) => p.scenario).join(' | ')} |`, `|---|${r.profiles.map(() => '---:').join('|')}|`);
    for (const category of categories) {
      out.push(`| ${category} | ${r.profiles.map((p) => `${num((p.shares.find((s) => s.category === category)?.share ?? 0) * 100, 1)}%`).join(' | ')} |`);
    }
    out.push('');
  }
  if (r.fanout) out.push(...fanoutMarkdown(r.fanout));
  return out.join('\n');
}

/** The README's benchmark section: latest full run, its machine, claims, chart and sizing. */
export function readmeSection(r: BenchResults, reportPath: string, chartPath: string): string {
  return [
    `Latest full run: **${r.date}** on ${machineLine(r)}. ${settingsLine(r)}`,
    '',
    ...summaryTable(r, TARGET_CONCURRENCY),
    '',
    ...cpuTable(r, TARGET_CONCURRENCY),
    '',
    ...ratioTable(r, TARGET_CONCURRENCY),
    '',
    ...skippedLines(r),
    `![Throughput and p99 per scenario and server](${chartPath})`,
    '',
    ...targetTable(r),
    '',
    ...(r.sweep.length > 0 ? ['Pool-size sweep of the product at c=64:', '', ...sweepTable(r), ''] : []),
    ...(r.fanout ? fanoutReadme(r.fanout, reportPath) : []),
    `Every cell (c = ${r.settings.concurrency.join(', ')}; p50/p95/p99, statements per request, peak connections, RSS) and the CPU profile breakdown: [${reportPath}](${reportPath}).`,
  ].join('\n');
}

/** Replaces the text between the README's benchmark markers. */
export function replaceReadmeSection(readme: string, section: string): string {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} markers`);
  return `${readme.slice(0, from + start.length)}\n${section}\n${readme.slice(to)}`;
}

const COLORS: Record<ServerKind, string> = { pooled: '#2563eb', unguarded: '#7c3aed', naive: '#dc2626', 'per-request': '#d97706', postgraphile: '#059669', 'raw-sql': '#6b7280' };

/** Grouped bars per scenario at c=64: throughput (top) and p99 latency (bottom), log scales. */
export function svgChart(r: BenchResults): string {
  const cells = r.cells.filter((c) => c.concurrency === TARGET_CONCURRENCY);
  const servers = SERVER_KINDS.filter((k) => cells.some((c) => c.server === k));
  const width = 980;
  const left = 70;
  const panelHeight = 220;
  const group = (width - left - 20) / r.scenarios.length;
  const bar = Math.min(28, (group - 24) / Math.max(1, servers.length));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [];

  const panel = (top: number, title: string, value: (c: (typeof cells)[number]) => number, unit: string) => {
    const values = cells.map(value).filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
    const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
    const y = (v: number) => top + panelHeight - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * panelHeight;
    parts.push(`<text x="${left}" y="${top - 10}" font-size="14" font-weight="bold">${esc(title)}</text>`);
    for (let v = lo; v <= hi; v *= 10) {
      parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
      parts.push(`<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${num(v)}${unit}</text>`);
    }
    r.scenarios.forEach((s, i) => {
      const x0 = left + i * group + (group - bar * servers.length) / 2;
      servers.forEach((k, j) => {
        const c = cells.find((x) => x.server === k && x.scenario === s.name);
        if (!c) return;
        const v = value(c);
        const top_ = y(v > 0 ? v : lo);
        parts.push(
          `<rect x="${x0 + j * bar}" y="${top_}" width="${bar - 2}" height="${top + panelHeight - top_}" fill="${COLORS[k]}"><title>${esc(`${SERVER_TITLES[k]} · ${s.title}: ${num(v, 1)}${unit}`)}</title></rect>`,
        );
      });
    });
  };

  const top1 = 50;
  const top2 = top1 + panelHeight + 60;
  panel(top1, `Throughput at c=${TARGET_CONCURRENCY}, connection_limit=${COMPARED_CONNECTION_LIMIT} (successful req/s, log scale; higher is better)`, (c) => c.rps, '');
  panel(top2, `p99 latency at c=${TARGET_CONCURRENCY} (ms, log scale; lower is better)`, (c) => c.p99, ' ms');
  const labelsY = top2 + panelHeight + 18;
  r.scenarios.forEach((s, i) => {
    parts.push(`<text x="${left + i * group + group / 2}" y="${labelsY}" font-size="11" text-anchor="middle">${esc(s.name)}</text>`);
  });
  servers.forEach((k, j) => {
    const x = left + j * 210;
    parts.push(`<rect x="${x}" y="${labelsY + 16}" width="12" height="12" fill="${COLORS[k]}"/>`);
    parts.push(`<text x="${x + 18}" y="${labelsY + 26}" font-size="12">${esc(SERVER_TITLES[k])}</text>`);
  });
  const height = labelsY + 44;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="13" fill="#374151">${esc(`${r.date} · ${machineLine(r)}`)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
