import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { entryId, parseEntryId } from '../../src/http/entry-id.js';

describe('entry IDs', () => {
  const uuid = '0123456789abcdef'.repeat(4);

  describe('when well-formed', () => {
    it('parses 64-hex UUIDs and 80-hex entry IDs in either case, and formats them back', () => {
      assert.deepEqual(parseEntryId(uuid), { leafHash: Buffer.from(uuid, 'hex'), treeIdHex: undefined });
      const id = `108e9186e8c5677a${uuid}`;
      assert.deepEqual(parseEntryId(id.toUpperCase()), { leafHash: Buffer.from(uuid, 'hex'), treeIdHex: '108e9186e8c5677a' });
      assert.equal(entryId('108e9186e8c5677a', Buffer.from(uuid, 'hex')), id);
    });
  });

  describe('when malformed', () => {
    it('throws BAD_REQUEST for other lengths, non-hex, and tree IDs that are zero or not a positive int64', () => {
      for (const bad of ['', uuid.slice(1), `${uuid}0`, `g${uuid.slice(1)}`, `${'0'.repeat(16)}${uuid}`, `ffffffffffffffff${uuid}`]) {
        assert.throws(() => parseEntryId(bad), (e) => isLogError(e, 'BAD_REQUEST'), bad);
      }
      assert.equal(parseEntryId(`7fffffffffffffff${uuid}`).treeIdHex, '7fffffffffffffff');
    });
  });
});
