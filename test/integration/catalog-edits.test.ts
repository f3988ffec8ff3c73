import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';
import { sql } from '../helpers/sql';

const env = useTestApi();
let employee: Record<string, string>;
let customer: Record<string, string>;
beforeAll(async () => {
  employee = await authAs({ role: 'employee', employeeId: 4 });
  customer = await authAs({ role: 'customer', customerId: 5 });
});
const as = (query: string, variables: Record<string, unknown> = {}, who = employee) => env.api.query(query, variables, who);

describe('catalog edits', () => {
  it('creates, updates and deletes an artist, album and track, each payload showing the committed row', async () => {
    const artist = await as('mutation { createArtist(input: { name: "The Writes" }) { artist { id name albumCount } } }');
    expect(artist.errors).toBeUndefined();
    const artistId = artist.data.createArtist.artist.id;
    expect(artist.data.createArtist.artist).toMatchObject({ name: 'The Writes', albumCount: 0 });

    const album = await as('mutation ($a: ID!) { createAlbum(input: { title: "Commit", artistId: $a }) { album { id title artist { id name } } } }', { a: artistId });
    expect(album.data.createAlbum.album).toMatchObject({ title: 'Commit', artist: { id: artistId, name: 'The Writes' } });
    const albumId = album.data.createAlbum.album.id;

    const track = await as(
      `mutation ($al: ID!) { createTrack(input: { name: "Rollback", albumId: $al, mediaTypeId: 1, genreId: 1, milliseconds: 200000, unitPrice: "1.29" }) {
         track { id name unitPrice composer album { title } } } }`,
      { al: albumId },
    );
    expect(track.errors).toBeUndefined();
    expect(track.data.createTrack.track).toMatchObject({ name: 'Rollback', unitPrice: '1.29', composer: null, album: { title: 'Commit' } });
    const trackId = track.data.createTrack.track.id;

    const updated = await as('mutation ($t: ID!) { updateTrack(input: { id: $t, unitPrice: "0.99", composer: "A. Writer" }) { track { name unitPrice composer } } }', { t: trackId });
    expect(updated.data.updateTrack.track).toEqual({ name: 'Rollback', unitPrice: '0.99', composer: 'A. Writer' });
    const renamed = await as('mutation ($a: ID!) { updateArtist(input: { id: $a, name: "The Reads" }) { artist { name } } }', { a: artistId });
    expect(renamed.data.updateArtist.artist.name).toBe('The Reads');

    // Deleting what others reference is a CONFLICT naming the references; then, in order, it works.
    const blocked = await as('mutation ($a: ID!) { deleteArtist(input: { id: $a }) { deletedArtistId } }', { a: artistId });
    expect(blocked.errors?.[0]).toMatchObject({
      message: `Artist ${artistId} is referenced by 1 album: remove those references first`,
      extensions: { code: 'CONFLICT', referencedBy: [{ what: 'album', count: 1 }] },
    });
    const albumBlocked = await as('mutation ($a: ID!) { deleteAlbum(input: { id: $a }) { deletedAlbumId } }', { a: albumId });
    expect(albumBlocked.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', referencedBy: [{ what: 'track', count: 1 }] });
    expect((await as('mutation ($t: ID!) { deleteTrack(input: { id: $t }) { deletedTrackId } }', { t: trackId })).data.deleteTrack.deletedTrackId).toBe(trackId);
    expect((await as('mutation ($a: ID!) { deleteAlbum(input: { id: $a }) { deletedAlbumId } }', { a: albumId })).data.deleteAlbum.deletedAlbumId).toBe(albumId);
    expect((await as('mutation ($a: ID!) { deleteArtist(input: { id: $a }) { deletedArtistId } }', { a: artistId })).data.deleteArtist.deletedArtistId).toBe(artistId);
    expect((await as('query ($a: ID!) { artist(id: $a) { id } }', { a: artistId })).data.artist).toBeNull();
  });

  it('refuses to delete a track on an invoice or in a playlist, naming both', async () => {
    const [row] = await sql(
      env.database.url,
      `SELECT l.track_id, (SELECT count(*)::int FROM invoice_line x WHERE x.track_id = l.track_id) AS lines, (SELECT count(*)::int FROM playlist_track p WHERE p.track_id = l.track_id) AS playlists
       FROM invoice_line l WHERE EXISTS (SELECT 1 FROM playlist_track p WHERE p.track_id = l.track_id) LIMIT 1`,
    );
    const res = await as('mutation ($t: ID!) { deleteTrack(input: { id: $t }) { deletedTrackId } }', { t: row.track_id });
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      referencedBy: [
        { what: 'invoice line', count: row.lines },
        { what: 'playlist', count: row.playlists },
      ],
    });
    expect(res.errors?.[0].message).toMatch(new RegExp(`^Track ${row.track_id} is referenced by ${row.lines} invoice lines? and ${row.playlists} playlists?`));
  });

  it('answers NOT_FOUND for a missing row or a related id that names none', async () => {
    const missing = await as('mutation { updateAlbum(input: { id: 99999999, title: "x" }) { album { id } } }');
    expect(missing.errors?.[0]).toMatchObject({ message: 'Album 99999999 not found', extensions: { code: 'NOT_FOUND', argumentName: 'input.id' } });
    expect((await as('mutation { deleteTrack(input: { id: 99999999 }) { deletedTrackId } }')).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // The foreign key refuses it; the error catalogue maps that to NOT_FOUND.
    const noArtist = await as('mutation { createAlbum(input: { title: "Orphan", artistId: 99999999 }) { album { id } } }');
    expect(noArtist.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses bad input with the path of the bad field', async () => {
    expect((await as('mutation { createArtist(input: { name: "  " }) { artist { id } } }')).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.name' });
    const price = await as('mutation { createTrack(input: { name: "x", mediaTypeId: 1, milliseconds: 1, unitPrice: "-1" }) { track { id } } }');
    expect(price.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.unitPrice' });
    const nulled = await as('mutation { updateTrack(input: { id: 1, name: null }) { track { id } } }');
    expect(nulled.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.name' });
  });

  it('is for employees only', async () => {
    expect((await as('mutation { createArtist(input: { name: "x" }) { artist { id } } }', {}, customer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await as('mutation { createArtist(input: { name: "x" }) { artist { id } } }', {}, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('costs a constant number of statements', async () => {
    const res = await as('mutation { createArtist(input: { name: "Counted" }) { artist { id name } } }');
    // BEGIN, INSERT, COMMIT, then the artist by id.
    expect(res.telemetry.statements).toBeLessThanOrEqual(4);
  });
});
