export { freePort, RedisProcess } from '../../../scripts/lib/processes.js';
