export type { Config, SettingSpec, WitnessSetting } from './schema.js';
export { SETTINGS, CONFIG_SCHEMA, VKEY_SCHEMA, splitAtVkey } from './schema.js';
export type { ConfigSources, SettingSources } from './load.js';
export { compileSettingsSchema, loadConfig, loadSettings, settingsTable } from './load.js';
export type { WitnessConfig, WitnessedLogSetting } from './witness.js';
export { WITNESS_CONFIG_SCHEMA, WITNESS_SETTINGS, loadWitnessConfig, witnessSettingsTable } from './witness.js';
export type { MonitorConfig } from './monitor.js';
export { MONITOR_CONFIG_SCHEMA, MONITOR_SETTINGS, loadMonitorConfig, monitorSettingsTable } from './monitor.js';
