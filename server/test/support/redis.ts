export { RedisProcess } from '../../../scripts/lib/processes.js';
