/**
 * Deterministic store data: the same scale always yields the same rows.
 * Sizes at scale 1 follow a small real store (~275 artists, 3,500 tracks, 400 invoices).
 */

/** mulberry32: small, fast, and reproducible across platforms. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = `amber black blue broken burning city cold crystal dark dawn desert dream echo electric
empty endless fading fire free ghost glass gold golden heavy hidden high hollow iron last light
lonely lost midnight mountain neon night ocean paper quiet rain red river rose silent silver
slow smoke solar stone storm summer sweet thunder velvet violet white wild winter young`.split(/\s+/);
export const NOUNS = `angels answers bells birds bones cities clouds days dreamers echoes fields flowers
ghosts hearts highways horses kings lights lines machines mirrors moons nights roads rivers
saints shadows signals skies songs stars streets tides towers waves wheels wolves years`.split(/\s+/);
const FIRST = `Ada Alan Alice Ana Ben Carla Chen Dara Diego Elena Emil Eva Femi Grace Hana Ian Ines
Ivan Jana Joao Kai Lara Leo Lina Luca Maya Mina Nico Nora Omar Paula Ravi Rosa Sami Sara Tara Theo
Uma Vera Yusuf Zoe`.split(/\s+/);
const LAST = `Almeida Becker Costa Dubois Eriksen Fischer Garcia Hansen Ito Jensen Kowalski Larsen
Martin Novak Oliveira Park Quinn Rossi Santos Schmidt Silva Tanaka Urban Varga Weber Xu Young Zhang`.split(/\s+/);
const COUNTRIES: Array<[country: string, city: string]> = [
  ['USA', 'Chicago'], ['USA', 'Seattle'], ['Canada', 'Toronto'], ['Brazil', 'São Paulo'], ['France', 'Paris'],
  ['Germany', 'Berlin'], ['United Kingdom', 'London'], ['Portugal', 'Lisbon'], ['India', 'Delhi'],
  ['Czech Republic', 'Prague'], ['Norway', 'Oslo'], ['Australia', 'Sydney'], ['Japan', 'Tokyo'],
];
export const GENRES = [
  'Rock', 'Jazz', 'Metal', 'Alternative & Punk', 'Rock And Roll', 'Blues', 'Latin', 'Reggae', 'Pop',
  'Soundtrack', 'Bossa Nova', 'Easy Listening', 'Heavy Metal', 'R&B/Soul', 'Electronica/Dance', 'World',
  'Classical', 'Opera', 'Hip Hop/Rap', 'Comedy', 'Drama', 'Sci Fi & Fantasy', 'TV Shows', 'Science Fiction', 'Ambient',
];
export const MEDIA_TYPES = ['MPEG audio file', 'Protected AAC audio file', 'Protected MPEG-4 video file', 'Purchased AAC audio file', 'AAC audio file'];
const PRICES = ['0.99', '0.99', '0.99', '1.29', '1.99'];

export interface SeedData {
  artists: { id: number[]; name: string[] };
  albums: { id: number[]; title: string[]; artistId: number[] };
  mediaTypes: { id: number[]; name: string[] };
  genres: { id: number[]; name: string[] };
  tracks: {
    id: number[]; name: string[]; albumId: (number | null)[]; mediaTypeId: number[]; genreId: (number | null)[];
    composer: (string | null)[]; milliseconds: number[]; bytes: number[]; unitPrice: string[];
  };
  playlists: { id: number[]; name: string[] };
  playlistTracks: { playlistId: number[]; trackId: number[]; position: number[] };
  employees: {
    id: number[]; lastName: string[]; firstName: string[]; title: string[]; reportsTo: (number | null)[];
    birthDate: string[]; hireDate: string[]; country: string[]; city: string[]; email: string[];
  };
  customers: {
    id: number[]; firstName: string[]; lastName: string[]; company: (string | null)[]; country: string[];
    city: string[]; email: string[]; supportRepId: number[];
  };
  invoices: { id: number[]; customerId: number[]; invoiceDate: string[]; billingCountry: string[]; billingCity: string[]; total: string[] };
  invoiceLines: { id: number[]; invoiceId: number[]; trackId: number[]; unitPrice: string[]; quantity: number[] };
}

/** Builds the rows for a store of the given scale (1 = small store). */
export function generateSeedData(scale: number, seed = 42): SeedData {
  const rnd = random(seed);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const title = (n: number) => Array.from({ length: n }, (_, i) => (i === n - 1 ? pick(NOUNS) : pick(WORDS)))
    .map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  const count = (base: number) => Math.max(1, Math.round(base * scale));
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  const artistIds = ids(count(275));
  const artists = { id: artistIds, name: artistIds.map((id) => `${rnd() < 0.4 ? 'The ' : ''}${title(int(1, 2))} ${id}`) };

  const albumIds = ids(count(350));
  const albums = { id: albumIds, title: albumIds.map(() => title(int(1, 3))), artistId: albumIds.map((id) => (id <= artistIds.length ? id : int(1, artistIds.length))) };

  const mediaTypes = { id: ids(MEDIA_TYPES.length), name: MEDIA_TYPES };
  const genres = { id: ids(GENRES.length), name: GENRES };

  const trackIds = ids(count(3500));
  const tracks: SeedData['tracks'] = { id: trackIds, name: [], albumId: [], mediaTypeId: [], genreId: [], composer: [], milliseconds: [], bytes: [], unitPrice: [] };
  for (const _ of trackIds) {
    const ms = int(60_000, 480_000);
    tracks.name.push(title(int(1, 4)));
    tracks.albumId.push(rnd() < 0.01 ? null : int(1, albumIds.length));
    tracks.mediaTypeId.push(rnd() < 0.85 ? 1 : int(2, MEDIA_TYPES.length));
    tracks.genreId.push(rnd() < 0.01 ? null : Math.min(GENRES.length, 1 + Math.floor(rnd() * rnd() * GENRES.length)));
    tracks.composer.push(rnd() < 0.3 ? null : `${pick(FIRST)} ${pick(LAST)}`);
    tracks.milliseconds.push(ms);
    tracks.bytes.push(Math.round(ms * 33.2));
    tracks.unitPrice.push(pick(PRICES));
  }

  const playlistIds = ids(count(18));
  const playlists = { id: playlistIds, name: playlistIds.map((id) => `${title(2)} Mix ${id}`) };
  const playlistTracks: SeedData['playlistTracks'] = { playlistId: [], trackId: [], position: [] };
  const perPlaylist = (8000 * scale) / playlistIds.length;
  for (const playlistId of playlistIds) {
    const size = Math.min(trackIds.length, Math.round(perPlaylist * (0.2 + 1.6 * rnd())));
    const chosen = new Set<number>();
    while (chosen.size < size) chosen.add(int(1, trackIds.length));
    for (const [position, trackId] of [...chosen].sort((a, b) => a - b).entries()) {
      playlistTracks.playlistId.push(playlistId);
      playlistTracks.trackId.push(trackId);
      playlistTracks.position.push(position);
    }
  }

  // A small company: general manager → sales manager → three agents; IT manager → two staff.
  const staff: Array<[first: string, last: string, title: string, reportsTo: number | null]> = [
    ['Andrew', 'Adams', 'General Manager', null],
    ['Nancy', 'Edwards', 'Sales Manager', 1],
    ['Jane', 'Peacock', 'Sales Support Agent', 2],
    ['Margaret', 'Park', 'Sales Support Agent', 2],
    ['Steve', 'Johnson', 'Sales Support Agent', 2],
    ['Michael', 'Mitchell', 'IT Manager', 1],
    ['Robert', 'King', 'IT Staff', 6],
    ['Laura', 'Callahan', 'IT Staff', 6],
  ];
  const employees: SeedData['employees'] = {
    id: ids(staff.length), firstName: staff.map((s) => s[0]), lastName: staff.map((s) => s[1]), title: staff.map((s) => s[2]),
    reportsTo: staff.map((s) => s[3]), birthDate: [], hireDate: [], country: [], city: [], email: [],
  };
  for (const [first] of staff) {
    employees.birthDate.push(`19${int(55, 85)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`);
    employees.hireDate.push(`20${String(int(10, 20)).padStart(2, '0')}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`);
    employees.country.push('Canada');
    employees.city.push('Calgary');
    employees.email.push(`${first.toLowerCase()}@media-store.example`);
  }
  const agents = [3, 4, 5];

  const customerIds = ids(count(60));
  const customers: SeedData['customers'] = { id: customerIds, firstName: [], lastName: [], company: [], country: [], city: [], email: [], supportRepId: [] };
  for (const id of customerIds) {
    const [country, city] = pick(COUNTRIES);
    const first = pick(FIRST);
    const last = pick(LAST);
    customers.firstName.push(first);
    customers.lastName.push(last);
    customers.company.push(rnd() < 0.2 ? `${pick(LAST)} ${pick(['Ltd', 'GmbH', 'Inc', 'S.A.'])}` : null);
    customers.country.push(country);
    customers.city.push(city);
    customers.email.push(`${first}.${last}.${id}@mail.example`.toLowerCase());
    customers.supportRepId.push(agents[id % agents.length]);
  }

  const invoiceIds = ids(count(400));
  const invoices: SeedData['invoices'] = { id: invoiceIds, customerId: [], invoiceDate: [], billingCountry: [], billingCity: [], total: [] };
  const invoiceLines: SeedData['invoiceLines'] = { id: [], invoiceId: [], trackId: [], unitPrice: [], quantity: [] };
  const start = Date.UTC(2021, 0, 1);
  const span = Date.UTC(2026, 0, 1) - start;
  for (const invoiceId of invoiceIds) {
    const customerId = int(1, customerIds.length);
    let cents = 0;
    const lines = int(1, 10);
    const first = int(1, Math.max(1, trackIds.length - lines * 7));
    for (let i = 0; i < lines; i++) {
      const trackId = first + i * int(1, 7);
      const price = tracks.unitPrice[trackId - 1];
      invoiceLines.id.push(invoiceLines.id.length + 1);
      invoiceLines.invoiceId.push(invoiceId);
      invoiceLines.trackId.push(trackId);
      invoiceLines.unitPrice.push(price);
      invoiceLines.quantity.push(1);
      cents += Math.round(Number(price) * 100);
    }
    invoices.customerId.push(customerId);
    invoices.invoiceDate.push(new Date(start + Math.floor((rnd() * span) / 86_400_000) * 86_400_000).toISOString());
    invoices.billingCountry.push(customers.country[customerId - 1]);
    invoices.billingCity.push(customers.city[customerId - 1]);
    invoices.total.push((cents / 100).toFixed(2));
  }

  return { artists, albums, mediaTypes, genres, tracks, playlists, playlistTracks, employees, customers, invoices, invoiceLines };
}
