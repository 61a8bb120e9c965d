-- Cairn schema v2: full level-0 tiles are stored as 16 leaf-group rows each.
-- Applied once, inside a transaction, by src/storage/sqlite/migrations.ts.
--
-- Why: an inclusion proof needs 8 hashes from its leaf's level-0 tile. Kept whole,
-- with its interior rows, that tile is a ~16 KiB row (overflow pages): at 10M
-- entries the 39k level-0 tiles do not fit any memory budget, and every random
-- proof read one. A group row (1,088 bytes, one page) holds the level-0 part of the
-- proof of any of its 16 leaves, so a proof is one small read at every log size.
-- Layout and rationale: src/merkle/leaf-group.ts.
--
-- A group row, for leaf group grp (leaves 16·grp .. 16·grp + 15), 34 hashes of 32 bytes:
--   16 leaf hashes ‖ 8 tree-level-1 ‖ 4 level-2 ‖ 2 level-3 nodes of the group's subtree
--   ‖ the siblings of the group's ancestors at tree levels 4, 5, 6 and 7.
-- Written once, in the transaction where the tile becomes full, and never changed.
-- The tiles table keeps every tile of level ≥ 1 and each level's right-most partial
-- tile; the store rebuilds a full level-0 tile from its 16 rows (byte for byte).
CREATE TABLE leaf_groups (
  grp    INTEGER PRIMARY KEY,
  hashes BLOB    NOT NULL CHECK (length(hashes) = 1088)
) STRICT;

-- Convert the full level-0 tiles of an existing log. In the stored full-tile layout
-- (src/merkle/tile.ts) of a width-256 tile, row r starts at hash 0, 256, 384, 448,
-- 480, 496, 504, 508 for r = 0..7. For group n (0..15) of the tile:
--   leaves  hashes 16n ..,  level 1: 256 + 8n ..,  level 2: 384 + 4n ..,  level 3: 448 + 2n ..
--   siblings above: row r ∈ 4..7, hash start(r) + (⌊n / 2^(r−4)⌋ XOR 1), XOR 1 written x + 1 − 2·(x % 2).
-- `||` yields TEXT; CAST back to BLOB keeps the bytes.
WITH g(n) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15))
INSERT INTO leaf_groups (grp, hashes)
SELECT t.idx * 16 + g.n,
       CAST(substr(t.hashes, 32 * (16 * g.n) + 1, 512)
         || substr(t.hashes, 32 * (256 + 8 * g.n) + 1, 256)
         || substr(t.hashes, 32 * (384 + 4 * g.n) + 1, 128)
         || substr(t.hashes, 32 * (448 + 2 * g.n) + 1, 64)
         || substr(t.hashes, 32 * (480 + g.n + 1 - 2 * (g.n % 2)) + 1, 32)
         || substr(t.hashes, 32 * (496 + g.n / 2 + 1 - 2 * ((g.n / 2) % 2)) + 1, 32)
         || substr(t.hashes, 32 * (504 + g.n / 4 + 1 - 2 * ((g.n / 4) % 2)) + 1, 32)
         || substr(t.hashes, 32 * (508 + g.n / 8 + 1 - 2 * ((g.n / 8) % 2)) + 1, 32) AS BLOB)
FROM tiles AS t CROSS JOIN g
WHERE t.level = 0 AND t.width = 256
ORDER BY t.idx, g.n;

DELETE FROM tiles WHERE level = 0 AND width = 256;
