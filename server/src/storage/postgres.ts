import pg from 'pg';
import { StoreUnavailableError } from './unavailable.js';

export type PostgresPool = pg.Pool;
/** A pool's client or the pool itself: what a store's queries run on. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * One step of a concern's schema. Each store file owns its steps, named `<concern>-<n>`;
 * a database records the names it has applied, so the concerns' lists grow independently.
 * Never edit a step that has shipped: add the next one.
 */
export interface Migration {
  id: string;
  sql: string;
}

export interface PostgresOptions {
  /** Connections per node. Default 10. */
  max?: number;
  /** How long to wait for a connection before a request is refused UNAVAILABLE, in ms. */
  connectTimeoutMs?: number;
  /** Called with errors of idle connections (Postgres restarting); without it they are dropped. */
  onIdleError?: (err: Error) => void;
}

/**
 * A pool of connections to `url`. Postgres down means requests fail within
 * `connectTimeoutMs` (UNAVAILABLE, retried by the clients), never that they queue unanswered.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): PostgresPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    // A query that hangs (a server stopped mid-answer) fails rather than holds its request.
    query_timeout: 15_000,
    application_name: 'chat',
  });
  // An idle connection that the server closes emits here; unhandled, it would end the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  // And every connection keeps a listener of its own for its whole life: the pool listens
  // to a busy one only once (its query's `once('error')`) and to a discarded one not at all,
  // while a server that dies can make a connection emit twice (its FATAL message, then the
  // socket's reset), which unheard would end the process.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.onIdleError?.(err));
  });
  return pool;
}

/**
 * A connection from the pool with a listener for its `error` event while it is checked
 * out: the pool listens only to idle ones, and a server that dies mid-transaction makes a
 * busy connection emit one, which unheard would end the process. The query in flight fails
 * too, and that failure is what the caller sees.
 */
async function checkOut(
  pool: PostgresPool,
): Promise<{ client: pg.PoolClient; done: (broken: boolean) => void }> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  return {
    client,
    done: (broken) => {
      client.off('error', onError);
      // A connection that failed is closed, not given to the next request.
      client.release(broken || lost);
    },
  };
}

/** The advisory lock that makes migrations one at a time across every node of a deployment. */
const MIGRATION_LOCK = 4_318_702_211;

/**
 * Applies the steps not yet applied, in order, each in its own transaction, under an
 * advisory lock: several nodes starting together migrate once, the others wait and find it
 * done. Returns the ids it applied.
 */
export async function migrate(pool: PostgresPool, steps: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) throw new Error(`migration ${step.id} is listed twice`);
    ids.add(step.id);
  }
  const { client, done } = await checkOut(pool);
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         id TEXT PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map(
        (r) => r.id,
      ),
    );
    for (const step of steps) {
      if (done.has(step.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(step.sql);
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [step.id]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${step.id} failed`, { cause: err });
      }
      applied.push(step.id);
    }
  } finally {
    const unlocked = await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).then(
      () => true,
      () => false,
    );
    // A session that kept the lock must end, or no node could ever migrate again.
    done(!unlocked);
  }
  return applied;
}

/**
 * SQLSTATE classes that say "not now" rather than "wrong query": a connection lost (08), the
 * server shutting down or starting (57P01–57P03), too many connections (53300), and
 * transactions that lost a race and may simply run again (40001, 40P01).
 */
const TRANSIENT_STATE = /^(08|57P0[123]|53300|40001|40P01)/;

/**
 * Runs a query, turning "the database cannot be reached" (refused, reset, a timeout, the
 * server restarting) into StoreUnavailableError; Postgres's answer to a bad query stays an
 * error, for the caller to log as a fault.
 */
export async function pgCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof pg.DatabaseError && !TRANSIENT_STATE.test(err.code ?? '')) throw err;
    if (err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(err);
  }
}

/**
 * Runs `work` in one transaction on one connection: committed when it resolves, rolled
 * back when it throws. The caller answers only after this resolves, so an ack means committed.
 */
export function inTransaction<T>(
  pool: PostgresPool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return pgCall(async () => {
    const { client, done } = await checkOut(pool);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      done(broken);
    }
  });
}
