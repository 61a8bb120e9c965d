export type { Config, SettingSpec } from './schema.js';
export { SETTINGS, CONFIG_SCHEMA } from './schema.js';
export type { ConfigSources } from './load.js';
export { loadConfig, settingsTable } from './load.js';
