export type { Config } from './config';
export { loadConfig, ConfigError } from './load-config';
