// Command tlogcheck is Cairn's independent verifier for interop tests: it
// checks Cairn's signed notes, proofs and tiles with Go's golang.org/x/mod
// sumdb/note and sumdb/tlog packages (Debian golang-golang-x-mod-dev 0.7), so
// a bug shared by Cairn's encoder and Cairn's own verifier cannot hide.
//
// Subcommands (exit 0 on success, 1 on a verification failure, 2 on usage):
//
//	verify-note <vkey> [<vkey>...]          note on stdin; prints the verified text
//	verify-inclusion <index> <size> <leafHex> <rootHex> <proofHex,...>
//	verify-consistency <old> <new> <oldRootHex> <newRootHex> <proofHex,...>
//	verify-tiles <baseURL> <vkey> [--old-size N --old-root hex]
//
// Proof lists are comma-separated hex hashes; pass "" for an empty proof.
// verify-tiles reads a C2SP tlog-tiles log (http://, https:// or file://) and
// prints a one-line JSON summary.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "verify-note":
		err = verifyNote(args)
	case "verify-inclusion":
		err = verifyInclusion(args)
	case "verify-consistency":
		err = verifyConsistency(args)
	case "verify-tiles":
		err = verifyTiles(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlogcheck %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: tlogcheck verify-note|verify-inclusion|verify-consistency|verify-tiles ...")
	os.Exit(2)
}

// verifyNote opens the note on stdin with x/mod note.Open and prints its text.
func verifyNote(args []string) error {
	if len(args) < 1 {
		usage()
	}
	var verifiers []note.Verifier
	for _, vkey := range args {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return fmt.Errorf("bad vkey %q: %v", vkey, err)
		}
		verifiers = append(verifiers, v)
	}
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return err
	}
	fmt.Print(n.Text)
	return nil
}

// verifyInclusion checks an RFC 6962 inclusion proof with tlog.CheckRecord.
func verifyInclusion(args []string) error {
	if len(args) != 5 {
		usage()
	}
	index, err1 := strconv.ParseInt(args[0], 10, 64)
	size, err2 := strconv.ParseInt(args[1], 10, 64)
	leaf, err3 := parseHash(args[2])
	root, err4 := parseHash(args[3])
	proof, err5 := parseHashList(args[4])
	if err := firstError(err1, err2, err3, err4, err5); err != nil {
		return err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(proof), size, root, index, leaf); err != nil {
		return err
	}
	fmt.Println("ok")
	return nil
}

// verifyConsistency checks an RFC 6962 consistency proof with tlog.CheckTree.
// x/mod requires 1 <= old; the old size 0 case is the trivial one of
// tlog-witness ("If the old size is zero, the consistency proof MUST be empty").
func verifyConsistency(args []string) error {
	if len(args) != 5 {
		usage()
	}
	oldSize, err1 := strconv.ParseInt(args[0], 10, 64)
	newSize, err2 := strconv.ParseInt(args[1], 10, 64)
	oldRoot, err3 := parseHash(args[2])
	newRoot, err4 := parseHash(args[3])
	proof, err5 := parseHashList(args[4])
	if err := firstError(err1, err2, err3, err4, err5); err != nil {
		return err
	}
	if oldSize == 0 {
		if len(proof) != 0 || newSize < 0 {
			return errors.New("proof from size 0 must be empty")
		}
		fmt.Println("ok")
		return nil
	}
	if err := tlog.CheckTree(tlog.TreeProof(proof), newSize, newRoot, oldSize, oldRoot); err != nil {
		return err
	}
	fmt.Println("ok")
	return nil
}

type tilesSummary struct {
	OK          bool   `json:"ok"`
	Origin      string `json:"origin"`
	Size        int64  `json:"size"`
	Root        string `json:"root"`
	HashTiles   int    `json:"hashTiles"`
	Bundles     int    `json:"bundles"`
	Entries     int64  `json:"entries"`
	OldSize     *int64 `json:"oldSize,omitempty"`
	ProofHashes *int   `json:"proofHashes,omitempty"`
}

// verifyTiles verifies a whole C2SP tlog-tiles log: checkpoint signature,
// tree hash recomputed from tiles, every entry bundle, and optionally
// consistency with an earlier (size, root).
func verifyTiles(args []string) error {
	var pos []string
	oldSize := int64(-1)
	var oldRoot tlog.Hash
	haveOldRoot := false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--old-size", "--old-root":
			if i+1 >= len(args) {
				usage()
			}
			var err error
			if args[i] == "--old-size" {
				oldSize, err = strconv.ParseInt(args[i+1], 10, 64)
			} else {
				oldRoot, err = parseHash(args[i+1])
				haveOldRoot = true
			}
			if err != nil {
				return err
			}
			i++
		default:
			pos = append(pos, args[i])
		}
	}
	if len(pos) != 2 || (oldSize >= 0) != haveOldRoot {
		usage()
	}
	base := strings.TrimSuffix(pos[0], "/")
	v, err := note.NewVerifier(pos[1])
	if err != nil {
		return fmt.Errorf("bad vkey: %v", err)
	}
	f := &fetcher{base: base, client: newClient(), tiles: map[string][]byte{}}

	msg, err := f.get("checkpoint")
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	origin, tree, err := parseCheckpoint(n.Text)
	if err != nil {
		return err
	}
	sum := tilesSummary{Origin: origin, Size: tree.N, Root: hex.EncodeToString(tree.Hash[:])}
	if oldSize > tree.N || oldSize < -1 {
		return fmt.Errorf("old size %d is beyond checkpoint size %d", oldSize, tree.N)
	}

	if tree.N == 0 {
		// x/mod's TreeHash(0) is all zeros; RFC 6962's empty root is SHA-256("").
		if tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			return errors.New("size-0 checkpoint does not carry SHA-256(\"\")")
		}
	} else {
		hr := tlog.TileHashReader(tree, f)
		th, err := tlog.TreeHash(tree.N, hr)
		if err != nil {
			return fmt.Errorf("recomputing tree hash: %v", err)
		}
		if th != tree.Hash {
			return fmt.Errorf("tiles hash to %x, checkpoint says %x", th[:], tree.Hash[:])
		}
		if err := checkBundles(f, hr, tree.N, &sum); err != nil {
			return err
		}
		if oldSize > 0 {
			p, err := tlog.ProveTree(tree.N, oldSize, hr)
			if err != nil {
				return fmt.Errorf("proving consistency from %d: %v", oldSize, err)
			}
			if err := tlog.CheckTree(p, tree.N, tree.Hash, oldSize, oldRoot); err != nil {
				return fmt.Errorf("consistency from %d: %v", oldSize, err)
			}
			l := len(p)
			sum.ProofHashes = &l
		}
	}
	if oldSize == 0 && oldRoot != tlog.Hash(sha256.Sum256(nil)) {
		return errors.New("old root of size 0 is not SHA-256(\"\")")
	}
	if oldSize >= 0 {
		sum.OldSize = &oldSize
	}
	sum.HashTiles = f.hashTiles
	sum.OK = true
	out, _ := json.Marshal(sum)
	fmt.Println(string(out))
	return nil
}

// checkBundles fetches every entry bundle for a tree of size n and checks that
// entry i hashes (RFC 6962 leaf hash) to hash i of the authenticated level-0 tiles.
func checkBundles(f *fetcher, hr tlog.HashReader, n int64, sum *tilesSummary) error {
	for start := int64(0); start < n; start += 1 << tileHeight {
		w := n - start
		if w > 1<<tileHeight {
			w = 1 << tileHeight
		}
		t := tlog.Tile{H: tileHeight, L: -1, N: start >> tileHeight, W: int(w)}
		data, err := f.get(c2spPath(t))
		if err != nil {
			return err
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		hashes, err := hr.ReadHashes(indexes)
		if err != nil {
			return fmt.Errorf("level-0 hashes for %s: %v", c2spPath(t), err)
		}
		for i := 0; i < int(w); i++ {
			if len(data) < 2 {
				return fmt.Errorf("%s: truncated at entry %d", c2spPath(t), i)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				return fmt.Errorf("%s: truncated entry %d", c2spPath(t), i)
			}
			if tlog.RecordHash(data[2:2+l]) != hashes[i] {
				return fmt.Errorf("%s: entry %d does not hash to its level-0 tile hash", c2spPath(t), start+int64(i))
			}
			data = data[2+l:]
		}
		if len(data) != 0 {
			return fmt.Errorf("%s: %d trailing bytes", c2spPath(t), len(data))
		}
		sum.Bundles++
		sum.Entries += w
	}
	return nil
}

// parseCheckpoint parses c2sp.org/tlog-checkpoint text; extension lines are allowed.
func parseCheckpoint(text string) (string, tlog.Tree, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return "", tlog.Tree{}, errors.New("malformed checkpoint")
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	sizeStr := strings.TrimSuffix(lines[1], "\n")
	size, err := strconv.ParseInt(sizeStr, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeStr || origin == "" {
		return "", tlog.Tree{}, errors.New("malformed checkpoint origin or size")
	}
	root, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(root) != tlog.HashSize {
		return "", tlog.Tree{}, errors.New("malformed checkpoint root")
	}
	var h tlog.Hash
	copy(h[:], root)
	return origin, tlog.Tree{N: size, Hash: h}, nil
}

// c2spPath maps an x/mod tile to its C2SP tlog-tiles path: hash tiles
// tile/<H>/<L>/<N> become tile/<L>/<N>, data tiles become tile/entries/<N>.
func c2spPath(t tlog.Tile) string {
	p := t.Path() // tile/8/<L or data>/<N>[.p/<W>]
	rest := strings.TrimPrefix(p, fmt.Sprintf("tile/%d/", t.H))
	if t.L == -1 {
		return "tile/entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// fetcher is a tlog.TileReader over a C2SP tlog-tiles URL prefix.
type fetcher struct {
	base      string
	client    *http.Client
	tiles     map[string][]byte
	hashTiles int
}

func (f *fetcher) Height() int { return tileHeight }

func (f *fetcher) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := c2spPath(t)
		data, ok := f.tiles[p]
		if !ok {
			var err error
			if data, err = f.get(p); err != nil {
				return nil, err
			}
			if len(data) != t.W*tlog.HashSize {
				return nil, fmt.Errorf("%s: %d bytes, want %d", p, len(data), t.W*tlog.HashSize)
			}
			f.tiles[p] = data
			f.hashTiles++
		}
		out[i] = data
	}
	return out, nil
}

func (f *fetcher) SaveTiles([]tlog.Tile, [][]byte) {}

func (f *fetcher) get(path string) ([]byte, error) {
	url := f.base + "/" + path
	resp, err := f.client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

func newClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.RegisterProtocol("file", http.NewFileTransport(http.Dir("/")))
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

func parseHashList(s string) ([]tlog.Hash, error) {
	if s == "" {
		return nil, nil
	}
	var out []tlog.Hash
	for _, part := range strings.Split(s, ",") {
		h, err := parseHash(part)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
