import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { MAX_PROOF_LINES, formatAddCheckpoint, parseAddCheckpoint } from '../../src/note/index.js';

const NOTE = 'example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 example.com/log AAAAAQ==\n';
const h = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const badRequest = (fn: () => unknown): void => assert.throws(fn, (e) => isLogError(e, 'BAD_REQUEST'));

describe('add-checkpoint request bodies (c2sp.org/tlog-witness)', () => {
  describe('formatAddCheckpoint', () => {
    it('writes "old N", one base64 line per proof hash, a blank line and the note', () => {
      assert.equal(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: NOTE }), `old 0\n\n${NOTE}`);
      const body = formatAddCheckpoint({ oldSize: 7, proof: [h(1), h(2)], checkpoint: NOTE });
      assert.equal(body, `old 7\n${Buffer.from(h(1)).toString('base64')}\n${Buffer.from(h(2)).toString('base64')}\n\n${NOTE}`);
    });
    it('refuses a bad size, short hashes, too many hashes and a note without a final newline', () => {
      badRequest(() => formatAddCheckpoint({ oldSize: -1, proof: [], checkpoint: NOTE }));
      badRequest(() => formatAddCheckpoint({ oldSize: 1, proof: [new Uint8Array(31)], checkpoint: NOTE }));
      badRequest(() => formatAddCheckpoint({ oldSize: 1, proof: Array.from({ length: 64 }, () => h(0)), checkpoint: NOTE }));
      badRequest(() => formatAddCheckpoint({ oldSize: 1, proof: [], checkpoint: 'x' }));
    });
  });

  describe('parseAddCheckpoint', () => {
    it('round-trips, from a string or UTF-8 bytes', () => {
      const req = { oldSize: 12, proof: [h(3), h(4), h(5)], checkpoint: NOTE };
      const body = formatAddCheckpoint(req);
      for (const input of [body, Buffer.from(body)]) {
        const parsed = parseAddCheckpoint(input);
        assert.equal(parsed.oldSize, 12);
        assert.deepEqual(parsed.proof.map((x) => Buffer.from(x)), req.proof.map((x) => Buffer.from(x)));
        assert.equal(parsed.checkpoint, NOTE);
      }
      assert.equal(parseAddCheckpoint(formatAddCheckpoint({ oldSize: 1, proof: Array.from({ length: MAX_PROOF_LINES }, () => h(9)), checkpoint: NOTE })).proof.length, 63);
    });
    it('refuses anything else', () => {
      const b64 = Buffer.from(h(1)).toString('base64');
      for (const body of [
        '', 'old 0', 'old 0\n', 'old -1\n\nx\n', 'old 01\n\nx\n', 'old 1.5\n\nx\n', 'Old 0\n\nx\n', 'old 0 \n\nx\n',
        'old 99999999999999999\n\nx\n', `old 1\n${b64}\n`, `old 1\n${b64.slice(1)}\n\nx\n`, `old 1\n${Buffer.from(new Uint8Array(31)).toString('base64')}\n\nx\n`,
        `old 1\n${`${b64}\n`.repeat(64)}\nx\n`, 'old 1\n\n',
      ]) {
        badRequest(() => parseAddCheckpoint(body));
      }
      badRequest(() => parseAddCheckpoint(new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0x0a])));
    });
  });
});
