import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Child, onFreePort, tempDir } from '@liveprobe/harness';

const run = promisify(execFile);

export interface Postgres {
  /** postgres://liveprobe:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** Creates an empty database and returns its URL; each test gets its own. */
  createDatabase(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

const readyTimeoutMs = 30_000;

/**
 * A real PostgreSQL server from Debian's packages (`apt-get install postgresql`), in a fresh
 * cluster in a temp dir, on a free loopback port, with password authentication over TCP.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user the package
 * creates. A missing installation is an error, never a skip.
 */
export async function postgres(): Promise<Postgres> {
  const bin = binDir();
  const user = process.getuid?.() === 0 ? await systemUser('postgres') : undefined;
  const dir = await tempDir('liveprobe-pg-');
  const data = join(dir.path, 'data');
  const password = randomBytes(12).toString('hex');
  let child: Child | undefined;
  let port = 0;
  const stop = async () => {
    await child?.stop('SIGINT'); // "fast" shutdown: ends sessions, no waiting on clients
    await dir.remove();
  };
  try {
    await mkdir(data, { mode: 0o700 });
    await writeFile(join(dir.path, 'pwfile'), `${password}\n`);
    if (user !== undefined) {
      for (const path of [dir.path, data, join(dir.path, 'pwfile')]) await chown(path, user.uid, user.gid);
    }
    const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };
    await run(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'liveprobe',
        `--pwfile=${join(dir.path, 'pwfile')}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--no-sync',
        '--locale=C',
      ],
      asUser,
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`initdb failed: ${error.message}\n${error.stderr ?? ''}`);
    });
    // Durability is not what these tests are about; speed is.
    [port, child] = await onFreePort(async (picked) => {
      const started = new Child(
        join(bin, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(picked),
          '-k',
          dir.path,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
        ],
        { name: 'postgres', ...asUser },
      );
      try {
        // A port taken meanwhile ends it with `could not bind … Address already in use` (onFreePort).
        await started.waitForLine(
          (line) => line.includes('database system is ready to accept connections'),
          readyTimeoutMs,
          'that it is ready',
        );
      } catch (error) {
        await started.stop('SIGINT');
        throw error;
      }
      return [picked, started] as const;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `postgres://liveprobe:${password}@127.0.0.1:${port}/postgres`;
  let databases = 0;
  const started = child;
  return {
    url,
    async createDatabase() {
      const name = `liveprobe_${process.pid}_${(databases += 1)}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    output: () => started.output(),
    stop,
  };
}

/** Debian installs the server outside PATH, under /usr/lib/postgresql/<major>/bin; the newest wins. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL server under ${root}/*/bin: install it with \`apt-get install -y postgresql\` (.ci/run does)`);
  }
  return join(root, newest, 'bin');
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run('id', ['-u', name])).stdout.trim());
    const gid = Number((await run('id', ['-g', name])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(`tests run as root, and PostgreSQL refuses root; no "${name}" user to run it as (the postgresql package creates one)`);
  }
}
