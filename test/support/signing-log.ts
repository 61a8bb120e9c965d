/**
 * A real Cairn log for signing tests (the in-process HTTP server of
 * test/interop/sigstore/cairn-server.ts), with the two calls a signer and a
 * verifier make: submit a proposed entry, fetch an entry with a fresh proof.
 * Also: signers and witnesses made on the spot.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { parseLogEntry } from '../../src/client/index.js';
import { cosign, ed25519Cosigner, ed25519PublicKeyBytes, formatVkey, SIG_TYPE_COSIGNATURE } from '../../src/note/index.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  dsseEntry,
  dssePae,
  hashedrekordEntry,
  type DsseEnvelope,
  type TlogEntry,
} from '../../src/signing/index.js';
import { startCairn, type CairnServer } from '../interop/sigstore/cairn-server.js';

export { startCairn, type CairnServer };

/** POST a proposed entry; returns the parsed 201 response. Throws on any other status. */
export async function submitEntry(url: string, proposed: unknown): Promise<{ uuid: string; entry: TlogEntry }> {
  const res = await fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(proposed),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`log answered ${res.status}: ${text}`);
  const entry = parseLogEntry(text, url);
  return { uuid: entry.uuid, entry };
}

/** GET an entry by UUID: the log's current answer, with a proof against its latest checkpoint. */
export async function fetchEntry(url: string, uuid: string): Promise<TlogEntry> {
  const res = await fetch(`${url}/api/v1/log/entries/${uuid}`);
  if (res.status !== 200) throw new Error(`log answered ${res.status}`);
  return parseLogEntry(await res.text(), url);
}

/** An ECDSA P-256 signer as the keys layer would give one. */
export interface TestSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly spkiDer: Uint8Array;
  signMessage(msg: Uint8Array): Uint8Array;
}

export function testSigner(): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    spkiDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    signMessage: (msg) => new Uint8Array(sign('sha256', msg, privateKey)),
  };
}

/** Signs `payload` and logs it as hashedrekord: what `cairn sign` does for a legacy signature. */
export async function logMessageSignature(url: string, signer: TestSigner, payload: Uint8Array) {
  const signature = signer.signMessage(payload);
  const logged = await submitEntry(url, hashedrekordEntry(payload, signature, signer.publicKeyPem));
  return { signature, ...logged };
}

/** Signs `statement` in a DSSE envelope and logs it as dsse: what `cairn sign`/`attest` do for a bundle. */
export async function logStatement(url: string, signer: TestSigner, statement: Uint8Array) {
  const sig = signer.signMessage(dssePae(IN_TOTO_PAYLOAD_TYPE, statement));
  const envelope: DsseEnvelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement, signatures: [{ keyid: '', sig }] };
  const logged = await submitEntry(url, dsseEntry(envelope, [signer.publicKeyPem]));
  return { envelope, ...logged };
}

/** A witness key: its vkey, and cosignature lines it makes over checkpoint text. */
export interface TestWitness {
  readonly vkey: string;
  cosignLine(checkpointText: string): string;
}

export function testWitness(name: string, timestamp = 1_800_000_000): TestWitness {
  const { privateKey } = generateKeyPairSync('ed25519');
  const cosigner = ed25519Cosigner(name, privateKey);
  return {
    vkey: formatVkey(name, SIG_TYPE_COSIGNATURE, ed25519PublicKeyBytes(privateKey)),
    cosignLine: (text) => cosign(cosigner, text, timestamp),
  };
}

/** The checkpoint note with witness cosignature lines appended. */
export function cosignCheckpoint(note: string, witnesses: readonly TestWitness[]): string {
  const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
  return note + witnesses.map((w) => w.cosignLine(text)).join('');
}
