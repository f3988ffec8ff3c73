/*
 * The clients of the fan-out scenario (bench/fanout.ts): the employee who edits the
 * playlist, N subscribers over graphql-ws, and N pollers over HTTP. They record what they
 * saw and when (performance.now(), this process's clock); fanout.ts turns it into figures.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

/** What every client reads: the playlist as a page showing it would. */
const PLAYLIST_SELECTION = 'name trackCount tracks(first: 20) { nodes { name album { title } } }';

export const FANOUT_QUERIES = {
  subscription: `subscription PlaylistChanged($id: ID!) { playlistChanged(id: $id) { kind playlist { ${PLAYLIST_SELECTION} } } }`,
  poll: `query PollPlaylist($id: ID!) { playlist(id: $id) { ${PLAYLIST_SELECTION} } }`,
  rename: `mutation RenamePlaylist($input: RenamePlaylistInput!) { renamePlaylist(input: $input) { playlist { id } } }`,
  create: `mutation CreatePlaylist($input: CreatePlaylistInput!) { createPlaylist(input: $input) { playlist { id } } }`,
  addTracks: `mutation AddTracks($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds } }`,
  remove: `mutation DeletePlaylist($input: DeletePlaylistInput!) { deletePlaylist(input: $input) { deletedPlaylistId } }`,
  find: `query FindPlaylists($name: String!) { playlists(filter: { nameContains: $name }) { nodes { id name } } }`,
} as const;

/** The benchmark's playlist is named with this prefix, then the edit's sequence number: `… #17`. */
export const PLAYLIST_PREFIX = 'fan-out bench';

/** The sequence number in a playlist name written by {@link Editor.rename}; 0 before the first. */
export function sequenceOf(name: string | undefined): number {
  const match = /#(\d+)$/.exec(name ?? '');
  return match ? Number(match[1]) : 0;
}

/** POSTs one GraphQL operation and returns its data; throws on any error. */
export async function graphql<T = any>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (!res.ok || body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}

/**
 * An employee editing the benchmark's playlist through the HTTP API. Renames carry a
 * sequence number in the name, so a reader can tell how recent the state it read is.
 */
export class Editor {
  /** When each rename was sent (index = sequence number), performance.now() ms. */
  readonly sentAt: number[] = [];

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly playlistId: string,
  ) {}

  /** Creates a store playlist of `trackIds`, after deleting any a crashed run left behind. */
  static async create(url: string, token: string, trackIds: number[]): Promise<Editor> {
    const { playlists } = await graphql(url, token, FANOUT_QUERIES.find, { name: PLAYLIST_PREFIX });
    for (const { id } of playlists.nodes as Array<{ id: string }>) await graphql(url, token, FANOUT_QUERIES.remove, { input: { playlistId: id } });
    const created = await graphql(url, token, FANOUT_QUERIES.create, { input: { name: `${PLAYLIST_PREFIX} #0` } });
    const playlistId: string = created.createPlaylist.playlist.id;
    await graphql(url, token, FANOUT_QUERIES.addTracks, { input: { playlistId, trackIds: trackIds.map(String) } });
    return new Editor(url, token, playlistId);
  }

  /**
   * Renames the playlist `count` times, one every `intervalMs`. Each rename waits for the
   * previous one's answer, so commits (hence events) come in sequence order; when a rename
   * takes longer than the interval the next is late, and the rate achieved is lower.
   * Returns the sequence numbers sent, first to last.
   */
  async renames(count: number, intervalMs: number): Promise<{ first: number; last: number; seconds: number }> {
    const first = Math.max(1, this.sentAt.length);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      await this.rename(first + i);
    }
    return { first, last: first + count - 1, seconds: (performance.now() - start) / 1000 };
  }

  async delete(): Promise<void> {
    await graphql(this.url, this.token, FANOUT_QUERIES.remove, { input: { playlistId: this.playlistId } });
  }

  private async rename(sequence: number): Promise<void> {
    this.sentAt[sequence] = performance.now();
    await graphql(this.url, this.token, FANOUT_QUERIES.rename, { input: { playlistId: this.playlistId, name: `${PLAYLIST_PREFIX} #${sequence}` } });
  }
}

/** One graphql-ws subscriber: when each result arrived and what it read. */
interface Subscriber {
  client: Client;
  /** Arrival times (performance.now() ms) and the sequence number each result showed. */
  arrivals: number[];
  sequences: number[];
  errors: string[];
  /** Close code when the socket closed before we closed it (e.g. 4008 slow consumer). */
  closedEarly?: number;
}

/** N graphql-ws clients, each on its own socket, subscribed to one playlist. */
export class Subscribers {
  private readonly members: Subscriber[] = [];
  private closing = false;

  private constructor(private readonly url: string) {}

  /**
   * Opens one socket per token (as N browsers would), at most `parallel` handshakes at a
   * time so connecting is not what is measured, and subscribes each to `playlistId`.
   */
  static async open(url: string, tokens: string[], playlistId: string, parallel = 100): Promise<Subscribers> {
    const group = new Subscribers(url);
    for (let i = 0; i < tokens.length; i += parallel) {
      await Promise.all(tokens.slice(i, i + parallel).map((token) => group.add(token, playlistId)));
    }
    return group;
  }

  get size(): number {
    return this.members.length;
  }

  /** Every subscriber's results, for the caller to measure. */
  get all(): readonly Subscriber[] {
    return this.members;
  }

  /** Results received over all subscribers. */
  received(): number {
    return this.members.reduce((n, s) => n + s.arrivals.length, 0);
  }

  /** Drops what arrived so far: results before the measured events began. */
  forget(): void {
    for (const s of this.members) {
      s.arrivals.length = 0;
      s.sequences.length = 0;
    }
  }

  /** Waits until every subscriber has `count` results, or `timeoutMs` passed. */
  async waitForEach(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && this.members.some((s) => s.arrivals.length < count && s.closedEarly === undefined)) await sleep(20);
  }

  /** Closes every socket (as a tab being closed does: no `complete` first). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.members.map((s) => s.client.dispose()));
  }

  private add(token: string, playlistId: string): Promise<void> {
    const client = createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
      retryAttempts: 0,
      keepAlive: 0,
    });
    const member: Subscriber = { client, arrivals: [], sequences: [], errors: [] };
    this.members.push(member);
    client.on('closed', (event) => {
      if (!this.closing) member.closedEarly = (event as { code?: number })?.code ?? -1;
    });
    const connected = new Promise<void>((resolve, reject) => {
      client.on('connected', () => resolve());
      client.on('error', reject);
      client.on('closed', (event) => reject(new Error(`socket closed while connecting: ${(event as { code?: number })?.code}`)));
    });
    client.subscribe<{ playlistChanged: { kind: string; playlist: { name: string } | null } }>(
      { query: FANOUT_QUERIES.subscription, variables: { id: playlistId } },
      {
        // Time first: whatever follows is the client's own work, not delivery.
        next: (result) => {
          member.arrivals.push(performance.now());
          if (result.errors?.length) member.errors.push(result.errors[0].message);
          member.sequences.push(sequenceOf(result.data?.playlistChanged.playlist?.name));
        },
        error: (err) => member.errors.push(err instanceof Error ? err.message : JSON.stringify(err).slice(0, 200)),
        complete: () => undefined,
      },
    );
    return connected;
  }
}

/** A poll unanswered this long counts as failed (as the load generator's timeout, bench/load.ts). */
const POLL_TIMEOUT_MS = 30_000;

/** What N pollers saw. */
export interface PollRecord {
  /** Response times, ms. */
  latencies: number[];
  /** Failed requests: HTTP or GraphQL errors, or no playlist. */
  errors: number;
  /** Failed requests by their first error's code (or HTTP status, or TIMEOUT / NETWORK). */
  errorCodes: Record<string, number>;
  /** For each client: arrival time and sequence number of each answer, in order. */
  answers: Array<Array<{ at: number; sequence: number }>>;
  seconds: number;
}

/**
 * N clients, each POSTing the playlist query every `intervalMs` for `seconds` (the pattern
 * users write first: `setInterval(refetch, 1000)`). Their phases are spread over the
 * interval, as independent clients' would be. A client whose answer comes later than its
 * next tick sends at once, but never two requests at a time.
 */
export async function poll(url: string, tokens: string[], playlistId: string, intervalMs: number, seconds: number): Promise<PollRecord> {
  const record: PollRecord = { latencies: [], errors: 0, errorCodes: {}, answers: tokens.map(() => []), seconds };
  const failed = (code: string) => {
    record.errors++;
    record.errorCodes[code] = (record.errorCodes[code] ?? 0) + 1;
  };
  const start = performance.now();
  const end = start + seconds * 1000;
  const body = JSON.stringify({ operationName: 'PollPlaylist', query: FANOUT_QUERIES.poll, variables: { id: playlistId } });
  const client = async (token: string, i: number) => {
    for (let tick = start + (i / tokens.length) * intervalMs; tick < end; tick += intervalMs) {
      const wait = tick - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = performance.now();
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
        const answer = (await res.json()) as { data?: { playlist: { name: string } | null }; errors?: Array<{ extensions?: { code?: string } }> };
        const at = performance.now();
        record.latencies.push(at - sent);
        if (answer.errors?.length || !answer.data?.playlist) failed(answer.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`);
        else record.answers[i].push({ at, sequence: sequenceOf(answer.data.playlist.name) });
      } catch (err) {
        failed((err as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK');
      }
    }
  };
  await Promise.all(tokens.map(client));
  record.seconds = (performance.now() - start) / 1000;
  return record;
}
