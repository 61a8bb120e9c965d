/** Admission of submitted entries (see admission.ts): the interface the HTTP layer sees, and its inline implementation. */
export type { Admission, RequestForm } from './admission.js';
export { admitSubmission, inlineAdmission } from './admission.js';
