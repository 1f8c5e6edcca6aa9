// An archive in which the listing finds no recording is a mistake until said otherwise: a cron job auditing a
// wrong prefix or an unmounted folder must not stay green forever.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'
import {passphraseFile, callrec, makeArchive, NOW, wav} from '../helpers.ts'
import {startS3rver, type S3rver} from '../store/s3rver.ts'

let server: S3rver
const secrets = passphraseFile()
const passphrase = secrets.file
before(async () => {
  server = await startS3rver()
  await server.createBucket('calls')
  await server.put('calls', {'a.wav': wav(0.05)}, 'site-a/')
})
after(async () => {
  secrets.cleanup()
  await server?.stop()
})

const COMMANDS = [['audit'], ['purge', '--yes'], ['encrypt', '--dry-run', '--passphrase-file', passphrase], ['report', 'register'], ['report', 'compliance'], ['find', '--caller', '+33612345678']]

test('a wrong S3 prefix is exit 2 "nothing under s3://…: wrong prefix?" for every command that reads the archive, unless --allow-empty', async () => {
  for (const command of COMMANDS) {
    const words = command[0] === 'report' ? 2 : 1
    const args = [...command.slice(0, words), 's3://calls/site-b', ...command.slice(words), ...(command[0] === 'encrypt' ? [] : ['--now', NOW])]
    const {code, stderr} = await callrec(args, {env: server.env})
    assert.equal(code, 2, `${command.join(' ')}: ${stderr}`)
    assert.match(stderr, /nothing under s3:\/\/calls\/site-b: wrong prefix\? \(no recording found; --allow-empty if that is expected\)/, command.join(' '))
  }
  const allowed = await callrec(['audit', 's3://calls/site-b', '--now', NOW, '--allow-empty', '--json'], {env: server.env})
  assert.equal(allowed.code, 0, allowed.stderr)
  assert.equal(JSON.parse(allowed.stdout).summary.recordings, 0)
  const right = await callrec(['audit', 's3://calls/site-a', '--now', NOW, '--json'], {env: server.env})
  assert.equal(JSON.parse(right.stdout).summary.recordings, 1, right.stderr)
})

test('an empty local folder (or one holding only its policy) is "empty folder: not mounted?", exit 2, unless --allow-empty', async () => {
  const {dir, cleanup} = makeArchive({'callrec.yml': 'timezone: UTC\n'})
  try {
    for (const command of [['audit'], ['purge', '--yes'], ['report', 'register']]) {
      const {code, stderr} = await callrec([...command.slice(0, command[0] === 'report' ? 2 : 1), dir, ...command.slice(command[0] === 'report' ? 2 : 1), '--now', NOW])
      assert.equal(code, 2, stderr)
      assert.match(stderr, new RegExp(`${dir}: empty folder: not mounted\\?`))
    }
    const {code, stderr} = await callrec(['purge', dir, '--yes', '--now', NOW, '--allow-empty'])
    assert.equal(code, 0, stderr)
  } finally {
    cleanup()
  }
})
