// Jest global setup: real services where the machine has them. When REDIS_URL is unset and a Redis answers
// on 127.0.0.1:6379 (as on our CI and dev machines), the shared-rate-limit tests use it; a machine without
// Redis runs everything else and says plainly that the Redis suites were not run. Likewise Postgres: when
// DATABASE_URL is unset and postgres://root@127.0.0.1:5432/test answers, the pipeline stores run on it too.
const net = require('node:net');

function redisAnswers(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(String(d).startsWith('+PONG')));
  });
}

const LOCAL_POSTGRES = 'postgres://root@127.0.0.1:5432/test';

async function postgresAnswers(url) {
  let client;
  try {
    const { Client } = require('pg');
    client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client?.end().catch(() => undefined);
  }
}

module.exports = async function globalSetup() {
  if (!process.env.REDIS_URL && (await redisAnswers('127.0.0.1', 6379))) process.env.REDIS_URL = 'redis://127.0.0.1:6379';
  if (!process.env.DATABASE_URL && (await postgresAnswers(LOCAL_POSTGRES))) process.env.DATABASE_URL = LOCAL_POSTGRES;
};
