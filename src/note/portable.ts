/**
 * The part of the signed-note core that runs in browsers too (no node:
 * imports): parsing notes, signature lines and checkpoints, verifier-key
 * text, and the cosignature message. Signature verification is the caller's
 * (the browser-safe client verifies with @noble/ed25519 and WebCrypto); the
 * rest of the code imports index.ts, whose keys are node:crypto's.
 */
export { MAX_NOTE_SIGNATURES, formatSignatureLine, parseNote, parseSignatureLine } from './note.js';
export type { NoteSignature, ParsedNote } from './note.js';
export { formatCheckpoint, parseCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
export { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, checkedVkey, splitVkey } from './vkey-text.js';
export type { VkeyParts } from './vkey-text.js';
export { cosignatureMessage, splitTimestampedSignature } from './cosignature-message.js';
export type { TimestampedSignature } from './cosignature-message.js';
export { concatBytes, keyIdHex } from './encoding.js';
export { c2spKeyIdWith, rekorKeyHintWith } from './key-id.js';
export type { Sha256 } from './key-id.js';
