/**
 * Signed notes, checkpoints, note keys and cosignatures (C2SP signed-note,
 * tlog-checkpoint, tlog-cosignature; Rekor v1 key hints). Pure: no I/O, no clock.
 */
export {
  MAX_NOTE_SIGNATURES,
  formatSignatureLine,
  openNote,
  parseNote,
  parseSignatureLine,
  signNote,
} from './note.js';
export type { NoteSignature, NoteSigner, NoteVerifier, OpenedNote, ParsedNote } from './note.js';

export { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
export type { Checkpoint, OpenedCheckpoint } from './checkpoint.js';

export {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  c2spKeyId,
  ed25519KeyFromSeed,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  ed25519PublicKeyFromBytes,
  ed25519Seed,
  keyIdHex,
  logIdOf,
  rekorKeyHint,
  rekorNoteVerifier,
  spkiDer,
  toPublicKey,
  verifyEd25519,
} from './keys.js';
export type { KeyIdFlavor } from './keys.js';

export {
  formatPrivateKeyString,
  formatVkey,
  isCosignatureVerifier,
  parsePrivateKeyString,
  parseVkey,
} from './key-strings.js';
export type { NotePrivateKey } from './key-strings.js';

export {
  cosign,
  cosignAsync,
  cosignatureMessage,
  cosignatureNoteSigner,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  verifyCosignature,
} from './cosignature.js';
export type { AsyncCosigner, CosignatureVerifier, Cosigner } from './cosignature.js';

export { MAX_PROOF_LINES, formatAddCheckpoint, parseAddCheckpoint } from './add-checkpoint.js';
export type { AddCheckpointRequest } from './add-checkpoint.js';
