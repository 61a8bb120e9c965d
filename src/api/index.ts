/**
 * The API contract at run time: openapi.yaml compiled by ajv (request and
 * response checks) and the one rule set for JSON request bodies. Shared by
 * the HTTP layer and by admission, which may run in worker threads.
 */
export { ApiSpec, loadApiSpec, missingBody } from './openapi.js';
export type { CheckedRequest, RequestParts } from './openapi.js';
export { parseJsonBody } from './json-body.js';
