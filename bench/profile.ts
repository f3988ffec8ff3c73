/*
 * Where a server's time goes, from a V8 CPU profile: self time per sampled function,
 * grouped by the library the function belongs to.
 */

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  category: string;
  ms: number;
  /** Fraction of all sampled time, 0..1. */
  share: number;
}

// First match wins; order matters where paths nest (e.g. generated Prisma code under src/).
const CATEGORIES: Array<[name: string, test: (url: string, fn: string) => boolean]> = [
  ['waiting (idle: I/O, database)', (_, fn) => fn === '(idle)'],
  ['garbage collection', (_, fn) => fn === '(garbage collector)'],
  ['Prisma (client, query compiler, adapter)', (url) => /@prisma\/|\/generated\/prisma\//.test(url)],
  ['pg driver', (url) => /\/node_modules\/pg(-[a-z]+)?\//.test(url)],
  ['GraphQL execution (graphql-js)', (url) => url.includes('/node_modules/graphql/')],
  ['DataLoader', (url) => url.includes('/node_modules/dataloader/')],
  ['Apollo Server & Express', (url) => /@apollo\/|@as-integrations\/|\/node_modules\/(express|body-parser|router|raw-body|cors|finalhandler|send|serve-static|negotiator|type-is|accepts|content-type|qs|iconv-lite)\//.test(url)],
  ['our resolvers, loaders & access', (url) => url.includes('/src/') && !url.includes('/node_modules/')],
  ['JSON parse/stringify', (url, fn) => url === '' && /^(stringify|parse|JSONStringify|JSONParse)$/.test(fn)],
  // The system calls that send on a socket: to clients and to PostgreSQL (loopback TCP, whose receiving side the kernel runs on the sender's time).
  ['socket writes (system calls)', (url, fn) => url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|writeUcs2String)$/.test(fn)],
  ['async context (AsyncLocalStorage promise hooks)', (url) => url === 'node:internal/async_hooks' || url === 'node:async_hooks'],
  ['Node core (http, net, streams)', (url) => url.startsWith('node:')],
  ['V8 & native (program)', (_, fn) => fn === '(program)' || fn === '(root)'],
  ['other libraries', (url) => url.includes('/node_modules/')],
];

/** Sums self time per category, largest first. */
export function summarizeProfile(profile: CpuProfile): TimeShare[] {
  const categoryOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    categoryOf.set(node.id, CATEGORIES.find(([, test]) => test(url, functionName))?.[0] ?? 'other (native builtins)');
  }
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    all += us;
    const category = categoryOf.get(id)!;
    totals.set(category, (totals.get(category) ?? 0) + us);
  });
  return [...totals]
    .map(([category, us]) => ({ category, ms: us / 1000, share: all === 0 ? 0 : us / all }))
    .sort((a, b) => b.ms - a.ms);
}
