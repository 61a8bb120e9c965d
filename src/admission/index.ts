/** Admission of submitted entries (see admission.ts): the interface the HTTP layer sees, and its inline implementation. */
export type { Admission } from './admission.js';
export { admitSubmission, inlineAdmission } from './admission.js';
