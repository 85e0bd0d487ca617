import * as mysql2 from 'mysql2';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2';

/**
 * mysql2 as TypeORM's MySQL driver loads it, except that every pooled connection
 * keeps an 'error' listener for its whole life. mysql2 gives a pooled connection a
 * one-time listener (to drop it from the pool), and TypeORM adds its own only
 * when none is there; a second 'error' on a connection whose server went away
 * would then be unhandled and end the process. The query that was running gets
 * the same error through its callback, so the listener has nothing more to do.
 */
export const guardedMysql2: typeof mysql2 = {
  ...mysql2,
  createPool(options: PoolOptions | string): Pool {
    const pool = typeof options === 'string' ? mysql2.createPool(options) : mysql2.createPool(options);
    pool.on('connection', (connection: PoolConnection) => {
      connection.on('error', keepProcessAlive);
    });
    return pool;
  },
};

function keepProcessAlive(): void {
  // The error reaches the statement that was running; see above.
}
