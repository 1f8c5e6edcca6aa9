// Benchmark: callrec's age encryption against Go age (/usr/bin/age, timed by GNU time). Not a test.
//   node --import tsx bench/encrypt.ts [sizeMB=1024] [rounds=5]   one file: MB/s both ways, ratios, peak RSS
//   node --import tsx bench/encrypt.ts --small [count=10000] [concurrency=8]   count × 100 KB recordings in place
// callrec's core runs in bench/encrypt-worker.js on the compiled code (built first), as the CLI runs it, so that
// its peak RSS is its own; the CLI itself is measured once more end to end.
import {execFileSync, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, open, rm, writeFile} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {newIdentity, parseIdentities} from '../src/crypto/identity.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const MB = 1e6

interface Run {
  seconds: number
  maxRssMB: number
  files?: number
}

function worker(args: string[]): Run {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bench/encrypt-worker.js'), ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  if (result.status !== 0) throw new Error(`worker ${args[0]} failed with ${result.status ?? result.signal}`)
  return JSON.parse(result.stdout) as Run
}

/** A command under GNU time: wall seconds and peak RSS. */
function timed(command: string, args: string[], options: {cwd?: string} = {}): Run {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], {encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], ...options})
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`)
  const [seconds, rssKB] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number)
  return {seconds, maxRssMB: rssKB / 1024}
}

const cli = (args: string[], cwd?: string) => timed(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], {cwd})

async function writeRandom(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w')
  for (let written = 0; written < bytes; written += 1 << 20) await handle.write(randomBytes(Math.min(1 << 20, bytes - written)))
  await handle.close()
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]
const fixed = (value: number, digits = 0) => value.toFixed(digits)

async function keys(folder: string): Promise<{recipient: string; identity: string; keyFile: string}> {
  const {recipient, text} = await newIdentity()
  const keyFile = path.join(folder, 'key.txt')
  await writeFile(keyFile, text, {mode: 0o600})
  return {recipient, identity: parseIdentities(text, keyFile)[0], keyFile}
}

async function oneFile(sizeMB: number, rounds: number): Promise<void> {
  const folder = await mkdtemp(path.join(tmpdir(), 'callrec-bench-'))
  try {
    const {recipient, identity, keyFile} = await keys(folder)
    const at = (name: string) => path.join(folder, name)
    await writeRandom(at('plain.bin'), sizeMB * MB)
    console.log(`One ${sizeMB} MB file, file to file (no fsync), callrec ${process.version} vs age ${execFileSync('age', ['--version'], {encoding: 'utf8'}).trim()}; ${rounds} rounds, interleaved, medians; load average ${loadavg()[0].toFixed(1)} at start`)
    const runs: Record<string, Run[]> = {'callrec encrypt': [], 'age encrypt': [], 'callrec decrypt': [], 'age decrypt': []}
    // Each run starts after a sync, so that none pays for the write-back of the one before; the order alternates.
    const measure = (name: string, run: () => Run) => {
      execFileSync('sync')
      runs[name].push(run())
    }
    for (let round = 0; round < rounds; round++) {
      const encrypts = [
        () => measure('age encrypt', () => timed('age', ['-e', '-r', recipient, '-o', at('age.age'), at('plain.bin')])),
        () => measure('callrec encrypt', () => worker(['encrypt', at('plain.bin'), at('callrec.age'), recipient])),
      ]
      // Each decrypts the other's file: interoperability checked on the way.
      const decrypts = [
        () => measure('age decrypt', () => timed('age', ['-d', '-i', keyFile, '-o', at('age.out'), at('callrec.age')])),
        () => measure('callrec decrypt', () => worker(['decrypt', at('age.age'), at('callrec.out'), identity])),
      ]
      for (const run of round % 2 === 0 ? [...encrypts, ...decrypts] : [...encrypts.reverse(), ...decrypts.reverse()]) run()
      execFileSync('cmp', [at('plain.bin'), at('age.out')])
      execFileSync('cmp', [at('plain.bin'), at('callrec.out')])
      for (const name of ['age.age', 'age.out', 'callrec.out']) await rm(at(name))
    }
    const speed = (name: string) => sizeMB / median(runs[name].map((run) => run.seconds))
    const rss = (name: string) => Math.max(...runs[name].map((run) => run.maxRssMB))
    for (const op of ['encrypt', 'decrypt']) {
      const [ours, age] = [speed(`callrec ${op}`), speed(`age ${op}`)]
      console.log(`${op}: callrec ${fixed(ours)} MB/s, age ${fixed(age)} MB/s, ratio ${fixed(ours / age, 2)}; peak RSS callrec core ${fixed(rss(`callrec ${op}`))} MB, age ${fixed(rss(`age ${op}`))} MB`)
    }
    const decrypt = cli(['decrypt', at('callrec.age'), '--archive', folder, '-i', keyFile, '--reason', 'benchmark', '-o', '-'])
    console.log(`CLI: callrec decrypt -o - (to /dev/null) ${fixed(sizeMB / decrypt.seconds)} MB/s including start-up, peak RSS ${fixed(decrypt.maxRssMB)} MB`)
    await writeFile(at('callrec.yml'), `encryption:\n  recipients:\n    - ${recipient}\n`)
    execFileSync('sync')
    const encrypt = cli(['encrypt', folder, '--yes', '--key', 'plain.bin'])
    console.log(`CLI: callrec encrypt --yes in place (fsync of ${sizeMB} MB included) ${fixed(sizeMB / encrypt.seconds)} MB/s including start-up, peak RSS ${fixed(encrypt.maxRssMB)} MB`)
  } finally {
    await rm(folder, {recursive: true, force: true})
  }
}

async function smallFiles(count: number, concurrency: number): Promise<void> {
  const folder = await mkdtemp(path.join(tmpdir(), 'callrec-bench-small-'))
  try {
    const {recipient} = await keys(folder)
    const archive = path.join(folder, 'archive')
    const body = randomBytes(100_000)
    const make = async () => {
      await rm(archive, {recursive: true, force: true})
      execFileSync('mkdir', ['-p', archive])
      await writeFile(path.join(archive, 'callrec.yml'), `encryption:\n  recipients:\n    - ${recipient}\n`)
      for (let i = 0; i < count; i++) await writeFile(path.join(archive, `call-${String(i).padStart(5, '0')}.wav`), body)
    }
    console.log(`${count} recordings of 100 KB encrypted in place (temp, fsync, rename, verify, remove), ${concurrency} at a time`)
    await make()
    const floor = worker(['floor', archive, String(concurrency)])
    console.log(`floor: the same I/O without encryption (copy via temp, fsync, rename, remove): ${fixed(floor.files! / floor.seconds)} files/s`)
    await make()
    const core = worker(['in-place', archive, recipient, String(concurrency)])
    console.log(`core: ${core.files} files in ${fixed(core.seconds, 1)} s, ${fixed(core.files! / core.seconds)} files/s, ${fixed((core.files! * 0.1) / core.seconds)} MB/s; peak RSS ${fixed(core.maxRssMB)} MB`)
    await make()
    const run = cli(['encrypt', archive, '--yes', '--concurrency', String(concurrency)])
    console.log(`CLI: callrec encrypt --yes (listing and probing included) ${fixed(run.seconds, 1)} s, ${fixed(count / run.seconds)} files/s; peak RSS ${fixed(run.maxRssMB)} MB`)
  } finally {
    await rm(folder, {recursive: true, force: true})
  }
}

execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], {stdio: 'inherit'})
const [first, second, third] = process.argv.slice(2)
if (first === '--small') await smallFiles(Number(second ?? 10_000), Number(third ?? 8))
else await oneFile(Number(first ?? 1024), Number(second ?? 5))
