/**
 * The witness: a c2sp.org/tlog-witness cosigner for configured logs, on a
 * durable state store. Its HTTP surface is in src/http/witness-app.ts; the
 * `cairn witness` command wires both. Import from outside only through here.
 */
export { Witness } from './witness.js';
export type { Cosigned, WitnessOptions, WitnessedLog } from './witness.js';
