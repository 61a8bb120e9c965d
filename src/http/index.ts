export type { AppDeps } from './app.js';
export { createApp } from './app.js';
export { STATUS } from './errors.js';
export type { WitnessAppDeps } from './witness-app.js';
export { WITNESS_MAX_BODY_BYTES, createWitnessApp } from './witness-app.js';
export type { Admission } from './admission.js';
export { inlineAdmission, workerAdmission } from './admission.js';
