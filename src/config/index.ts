export type { Config, SettingSpec, WitnessSetting } from './schema.js';
export { SETTINGS, CONFIG_SCHEMA, VKEY_SCHEMA, splitAtVkey } from './schema.js';
export type { ConfigSources, SettingSources } from './load.js';
export { compileSettingsSchema, expectation, loadConfig, loadSettings, logSettingsHelp, settingsTable } from './load.js';
export { HELP_WIDTH, settingsHelp, wrap } from './help.js';
export type { WitnessConfig, WitnessedLogSetting } from './witness.js';
export { WITNESS_CONFIG_SCHEMA, WITNESS_SETTINGS, loadWitnessConfig, witnessSettingsHelp, witnessSettingsTable } from './witness.js';
export type { MonitorConfig } from './monitor.js';
export { MONITOR_CONFIG_SCHEMA, MONITOR_SETTINGS, loadMonitorConfig, monitorSettingsHelp, monitorSettingsTable } from './monitor.js';
