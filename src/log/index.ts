export type { LogIdentity } from './identity.js';
export { makeIdentity, newTreeId } from './identity.js';
export type { IntegrateResult } from './integrate.js';
export { LogReader } from './reader.js';
export type { LogServiceOptions, LogStatus, PublishListener } from './service.js';
export { LogService } from './service.js';
export { setPayload } from './set.js';
export type { Sequenced, SequencerOptions, Submission } from './types.js';
