export { RedisCluster } from '../../../scripts/lib/redis-cluster.js';
