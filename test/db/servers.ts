// Real CDR databases for the tests: MariaDB and PostgreSQL from Debian's packages, started from nothing in a short
// temp folder (unix socket paths are limited to 107 bytes), on loopback ports the OS picks, stopped after the tests.
// Neither server runs as root: MariaDB switches itself to `mysql`, PostgreSQL is started through setpriv.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import path from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'

export interface DbServer {
  /** The temp folder holding data and sockets. */
  dir: string
  port: number
  /** The unix socket (MariaDB) or the folder holding it (PostgreSQL). */
  socket: string
  /** Runs SQL as the superuser (one statement or several). */
  admin(sql: string, values?: unknown[]): Promise<unknown>
  stop(): Promise<void>
}

const isRoot = process.getuid?.() === 0

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

/** A folder owned by the service's user (root hands it over; anyone else runs the server as themselves). */
function ownedFolder(dir: string, user: string): string {
  mkdirSync(dir, {recursive: true})
  if (isRoot) {
    const uid = Number(spawnSync('id', ['-u', user], {encoding: 'utf8'}).stdout)
    const gid = Number(spawnSync('id', ['-g', user], {encoding: 'utf8'}).stdout)
    chownSync(dir, uid, gid)
  }
  return dir
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`)
}

async function until<T>(what: string, child: ChildProcess, attempt: () => Promise<T>, log: () => string): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${log()}`)
    try {
      return await attempt()
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not answer in 60 s (${(error as Error).message}): ${log()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** Servers still running, with their folders: killed and removed if the process exits without stopping them. */
const running = new Map<ChildProcess, string>()
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  }
})

function stopper(child: ChildProcess, signal: NodeJS.Signals, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    running.delete(child)
    rmSync(dir, {recursive: true, force: true})
  }
}

function capture(child: ChildProcess): () => string {
  let text = ''
  child.stdout?.on('data', (chunk) => (text = (text + chunk).slice(-4000)))
  child.stderr?.on('data', (chunk) => (text = (text + chunk).slice(-4000)))
  return () => text
}

export async function startMariaDb(): Promise<DbServer> {
  const dir = mkdtempSync('/tmp/db.')
  chmodSync(dir, 0o755)
  const home = ownedFolder(path.join(dir, 'my'), 'mysql')
  const data = path.join(home, 'data')
  const socket = path.join(home, 'sock')
  const user = isRoot ? ['--user=mysql'] : []
  run('mariadb-install-db', ['--no-defaults', ...user, `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'])
  const port = await freePort()
  // --no-defaults first, or /etc/mysql/*.cnf is read
  const child = spawn('mariadbd', [
    '--no-defaults', ...user, `--datadir=${data}`, `--socket=${socket}`, `--pid-file=${path.join(home, 'pid')}`, '--bind-address=127.0.0.1',
    `--port=${port}`, '--skip-name-resolve', '--skip-log-bin', '--skip-ssl', '--character-set-server=utf8mb4', '--innodb-buffer-pool-size=32M',
  ], {stdio: ['ignore', 'pipe', 'pipe']})
  running.set(child, dir)
  const log = capture(child)
  const connection = await until('mariadbd', child, () => mysql.createConnection({socketPath: socket, user: 'root', multipleStatements: true}), log)
  const stop = stopper(child, 'SIGTERM', dir)
  return {
    dir,
    port,
    socket,
    admin: async (sql, values) => (await connection.query(sql, values))[0],
    async stop() {
      await connection.end().catch(() => {})
      await stop()
    },
  }
}

export async function startPostgres(): Promise<DbServer> {
  const bin = path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1)!, 'bin')
  const dir = mkdtempSync('/tmp/db.')
  chmodSync(dir, 0o755)
  const home = ownedFolder(path.join(dir, 'pg'), 'postgres')
  const data = path.join(home, 'data')
  // setpriv replaces itself with the program: the child's pid is the postmaster's, so stopping it stops postgres
  const as = (program: string) => (isRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', path.join(bin, program)]] as const : [path.join(bin, program), []] as const)
  const [initdb, initdbArgs] = as('initdb')
  run(initdb, [...initdbArgs, '-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync'])
  const port = await freePort()
  const [postgres, postgresArgs] = as('postgres')
  const child = spawn(postgres, [...postgresArgs, '-D', data, '-p', String(port), '-k', home, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.set(child, dir)
  const log = capture(child)
  const client = await until('postgres', child, async () => {
    const candidate = new pg.Client({host: home, port, user: 'postgres', database: 'postgres'})
    candidate.on('error', () => {})
    try {
      await candidate.connect()
      return candidate
    } catch (error) {
      await candidate.end().catch(() => {})
      throw error
    }
  }, log)
  const stop = stopper(child, 'SIGQUIT', dir)
  return {
    dir,
    port,
    socket: home,
    admin: async (sql, values) => (await client.query(sql, values as unknown[])).rows,
    async stop() {
      await client.end().catch(() => {})
      await stop()
    },
  }
}
