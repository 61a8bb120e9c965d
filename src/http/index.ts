export type { AppDeps } from './app.js';
export { createApp } from './app.js';
export { STATUS } from './errors.js';
