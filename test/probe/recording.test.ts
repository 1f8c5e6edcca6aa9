// Only recordings are recordings: purge and encrypt, run as an unprivileged cron user on an archive that also
// holds documents, a CDR export, a second archive and unreadable files, touch the recordings and nothing else.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {isAudioContent, isRecording, recordingByName} from '../../src/probe/recording.js'
import {BIN, callrec, makeArchive, wav, type CliResult} from '../helpers.ts'

const OLD = new Date('2020-01-15T10:00:00Z')
const archives: {cleanup(): void}[] = []
after(() => archives.forEach((archive) => archive.cleanup()))

/** The CLI as the cron user `nobody` (root ignores file modes). */
function asNobody(args: string[]): Promise<CliResult & {json?: any}> {
  return new Promise((resolve) => {
    execFile('runuser', ['-u', 'nobody', '--', process.execPath, BIN, ...args], {env: {...process.env, NO_COLOR: '1'}}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      let json
      try {
        json = JSON.parse(stdout)
      } catch {}
      resolve({code, stdout, stderr, json})
    })
  })
}

/** An archive as found on a real server: recordings among documents, a CDR export, another archive below. */
function mixedArchive(policy = ''): string {
  const made = makeArchive(
    {
      'callrec.yml': `defaults: {purpose: quality, noticePlayed: true}\n${policy}`,
      'monitor/2020/a.wav': wav(),
      'monitor/2020/a.json': {agent: '1001'},
      'monitor/2020/bad.wav': 'RIFF-not-really-a-wav',
      'monitor/2020/call-0042': wav(),
      'monitor/2020/b.mp3.age': 'age-encryption.org/v1\n-> X25519 abc\n',
      'docs/README.txt': 'Recordings of the Lyon call centre.\n',
      'docs/scan.pdf': '%PDF-1.4\n%âãÏÓ\n1 0 obj\n',
      'docs/notes.pdf.age': 'age-encryption.org/v1\n-> X25519 abc\n',
      'docs/locked.bin': Buffer.from([0xff, 0xfb, 0x90, 0x00, 1, 2, 3]),
      'site2/Master.csv': '"","1001","0612345678"\n',
      'site2/callrec.yml': 'defaults: {purpose: training}\n',
      'site2/y.wav': wav(),
      'site3/Master.csv': '"","1002","0612345679"\n',
      'pbx2/callrec.yml': 'defaults: {purpose: quality, noticePlayed: true}\n',
      'pbx2/disputed.wav': wav(),
      'pbx2/old.wav': wav(),
    },
    {mtime: OLD},
  )
  archives.push(made)
  return made.dir
}

const KEPT = ['docs/README.txt', 'docs/scan.pdf', 'docs/notes.pdf.age', 'docs/locked.bin', 'site2/Master.csv', 'site2/callrec.yml', 'site2/y.wav', 'site3/Master.csv', 'pbx2/callrec.yml', 'pbx2/disputed.wav', 'pbx2/old.wav']

function fingerprint(dir: string, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, existsSync(path.join(dir, key)) ? `${hashOf(path.join(dir, key))} ${statSync(path.join(dir, key)).mtimeMs}` : 'gone']))
}

const hashOf = (file: string) => {
  const mode = statSync(file).mode
  chmodSync(file, 0o600)
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex')
  } finally {
    chmodSync(file, mode)
  }
}

/** Hands the archive to `nobody`, with one file it cannot read. */
async function giveToNobody(dir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => execFile('chown', ['-R', 'nobody', dir], (error) => (error ? reject(error) : resolve())))
  chmodSync(path.join(dir, 'docs/locked.bin'), 0o000)
}

describe('what a recording is', () => {
  test('by name: an audio extension, or an .age of one; otherwise the content decides', () => {
    for (const key of ['a/x.wav', 'x.WAV', 'x.mp3', 'x.ogg', 'x.opus', 'x.flac', 'x.m4a', 'x.gsm', 'x.sln16', 'x.ulaw', 'x.g729', 'x.vox', 'x.wav.age']) assert.equal(recordingByName(key), 'audio', key)
    for (const key of ['x.pdf.age', 'x.age', 'Master.csv.age']) assert.equal(recordingByName(key), 'not', key)
    for (const key of ['README.txt', 'x.pdf', 'Master.csv', 'callrec.yml', 'call-0042', '.wav']) assert.equal(recordingByName(key), 'content', key)
  })

  test('by content: the magic of WAV, MP3 (ID3 or a frame), Ogg, FLAC, M4A, AMR; not of documents', () => {
    const audio = [wav(), Buffer.from('ID3\x04\x00'), Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.from('OggS\x00\x02'), Buffer.from('fLaC\x00'), Buffer.from('\x00\x00\x00\x20ftypM4A \x00'), Buffer.from('#!AMR\n'), Buffer.from([0xff, 0xf1, 0x50, 0x80])]
    for (const head of audio) assert.equal(isAudioContent(head), true, head.subarray(0, 12).toString('latin1'))
    const other = ['%PDF-1.4', 'hello', '"a","b"', 'defaults: {}', '\x89PNG\r\n\x1a\n', 'PK\x03\x04', 'age-encryption.org/v1\n', '\x00\x00\x00\x20ftypisom', 'RIFF\x00\x00\x00\x00AVI ']
    for (const text of other) assert.equal(isAudioContent(Buffer.from(text, 'latin1')), false, text)
    assert.equal(isAudioContent(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), false, 'JPEG')
    assert.equal(isRecording('call-0042', wav()), true)
    assert.equal(isRecording('scan.pdf', Buffer.from('%PDF-1.4')), false)
    assert.equal(isRecording('scan.pdf'), false)
  })

  test('audit lists documents as not-a-recording and a folder with its own callrec.yml as nested-archive', async () => {
    const dir = mixedArchive()
    const result = await callrec(['audit', dir, '--json'])
    const json = JSON.parse(result.stdout)
    const keysOf = (rule: string) => json.findings.filter((finding: any) => finding.rule === rule).map((finding: any) => finding.key).sort()
    // locked.bin has no audio extension but starts like an MP3 frame: a recording, for whoever can read it.
    assert.deepEqual(json.recordings.map((recording: any) => recording.key).sort(), ['docs/locked.bin', 'monitor/2020/a.wav', 'monitor/2020/b.mp3.age', 'monitor/2020/bad.wav', 'monitor/2020/call-0042'])
    assert.deepEqual(keysOf('not-a-recording'), ['docs/README.txt', 'docs/notes.pdf.age', 'docs/scan.pdf', 'site3/Master.csv'])
    assert.deepEqual(keysOf('nested-archive'), ['pbx2', 'site2'])
    assert.ok(json.findings.every((finding: any) => !['not-a-recording', 'nested-archive'].includes(finding.rule) || finding.severity === 'info'))
    assert.deepEqual(keysOf('unreadable'), ['docs/locked.bin', 'monitor/2020/bad.wav'])
    // The cron user cannot read it: what cannot be told to be a recording is not one.
    await giveToNobody(dir)
    const nobody = await asNobody(['audit', dir, '--json'])
    const locked = nobody.json.findings.find((finding: any) => finding.key === 'docs/locked.bin')
    assert.equal(locked.rule, 'not-a-recording')
    assert.match(locked.message, /cannot be read \(cannot open \(EACCES\)\)/)
    const rules = await callrec(['rules'])
    assert.match(rules.stdout, /not-a-recording/)
    assert.match(rules.stdout, /nested-archive/)
  })

  test('purge --yes as the cron user deletes the due recordings, the damaged one included, and nothing else; the nested archive keeps its hold', async () => {
    const dir = mixedArchive()
    const hold = await callrec(['hold', 'add', 'disputed.wav', '--archive', path.join(dir, 'pbx2'), '--reason', 'dispute 2020-7'])
    assert.equal(hold.code, 0, hold.stderr)
    const before = fingerprint(dir, KEPT)
    await giveToNobody(dir)

    const purge = await asNobody(['purge', dir, '--yes', '--json'])
    assert.equal(purge.code, 0, purge.stderr + purge.stdout)
    assert.deepEqual(purge.json.result.deleted.map((deleted: any) => deleted.key).sort(), ['monitor/2020/a.wav', 'monitor/2020/b.mp3', 'monitor/2020/bad.wav', 'monitor/2020/call-0042'])
    assert.deepEqual(readdirSync(path.join(dir, 'monitor/2020')), [])
    assert.deepEqual(fingerprint(dir, KEPT), before)
    const journal = readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const deletedKeys = journal.filter((entry) => entry.action === 'purge').flatMap((entry) => entry.keys)
    assert.ok(deletedKeys.every((key: string) => key.startsWith('monitor/')), deletedKeys.join(' '))

    // The nested archive, purged on its own, keeps what its own hold covers.
    const inner = await asNobody(['purge', path.join(dir, 'pbx2'), '--yes', '--json'])
    assert.equal(inner.code, 0, inner.stderr)
    assert.deepEqual(inner.json.result.deleted.map((deleted: any) => deleted.key), ['old.wav'])
    assert.ok(existsSync(path.join(dir, 'pbx2/disputed.wav')))
  })

  test('encrypt --yes as the cron user encrypts recordings only; audio without an extension stays in clear, said so', async () => {
    const key = path.join(makeArchive({}).dir, 'k')
    const made = await callrec(['keygen', '-o', key])
    const dir = mixedArchive(`encryption: {required: true, recipients: [${made.stdout.trim()}]}\n`)
    const before = fingerprint(dir, KEPT)
    await giveToNobody(dir)

    const encrypt = await asNobody(['encrypt', dir, '--yes', '--json'])
    assert.equal(encrypt.code, 0, encrypt.stderr + encrypt.stdout)
    assert.deepEqual(encrypt.json.plan.keys.sort(), ['monitor/2020/a.wav', 'monitor/2020/bad.wav'])
    assert.deepEqual(encrypt.json.plan.unnamed, ['monitor/2020/call-0042'])
    assert.deepEqual(readdirSync(path.join(dir, 'monitor/2020')).sort(), ['a.json', 'a.wav.age', 'b.mp3.age', 'bad.wav.age', 'call-0042'])
    assert.deepEqual(fingerprint(dir, KEPT), before)

    // Encrypted, they are still recordings: purge takes them, and still nothing else.
    const purge = await asNobody(['purge', dir, '--yes', '--json'])
    assert.equal(purge.code, 0, purge.stderr)
    assert.deepEqual(purge.json.result.deleted.map((deleted: any) => deleted.key).sort(), ['monitor/2020/a.wav', 'monitor/2020/b.mp3', 'monitor/2020/bad.wav', 'monitor/2020/call-0042'])
    assert.deepEqual(fingerprint(dir, KEPT), before)
  })
})
