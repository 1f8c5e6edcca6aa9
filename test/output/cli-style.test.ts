// The smaller promises of the CLI's output: paths for --explain, one-line usage errors with the likely meaning,
// the exit codes each command really has, plurals, the full purge plan, the HTML report kept off a terminal.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {describe, test} from 'node:test'
import {BIN, callrec, callrecJson, NOW, ROOT, tempArchive, wav} from '../helpers.ts'
import {OLD, recordings} from '../purge/fixtures.ts'

const EXAMPLE = path.join(ROOT, 'fixtures', 'archive')
const FREEPBX = 'monitor/2026/05/14/in-0199000001-0639980001-20260514-101500-1778746500.101.wav'

describe('--explain', () => {
  for (const [what, given, cwd] of [
    ['a key', FREEPBX, ROOT],
    ['a path from the current folder, archive folder included', `fixtures/archive/${FREEPBX}`, ROOT],
    ['an absolute path', path.join(EXAMPLE, FREEPBX), '/'],
  ] as const) {
    test(`takes ${what}, names each source once, masks the numbers`, async () => {
      const {code, stdout, stderr} = await callrec(['audit', EXAMPLE, '--now', NOW, '--explain', given], {cwd})
      assert.equal(code, 1, stderr)
      assert.match(stdout, /^monitor\/2026\/05\/14\/in-0199••••01-0639••••01-20260514-101500-1778746500\.101\.wav$/m)
      assert.doesNotMatch(stdout, /filename: filename:/)
      assert.doesNotMatch(stdout, /0639980001/)
    })
  }

  test('--format json prints the recording and its findings as JSON', async () => {
    const {stdout} = await callrec(['audit', EXAMPLE, '--now', NOW, '--explain', FREEPBX, '--format', 'json'])
    const explained = JSON.parse(stdout)
    assert.equal(explained.recording.key, 'monitor/2026/05/14/in-0199••••01-0639••••01-20260514-101500-1778746500.101.wav')
    assert.ok(explained.findings.some((finding: {rule: string}) => finding.rule === 'retention-expired'))
    const shown = JSON.parse((await callrec(['audit', EXAMPLE, '--now', NOW, '--explain', FREEPBX, '--format', 'json', '--show-personal'])).stdout)
    assert.equal(shown.recording.key, FREEPBX)
  })
})

describe('errors in one line, as callrec says them', () => {
  test('an unknown flag names the one meant, without dumping the help', async () => {
    const {code, stderr} = await callrec(['audit', EXAMPLE, '--forma', 'csv'])
    assert.equal(code, 2)
    assert.equal(stderr, 'callrec: Nonexistent flag: --forma; did you mean --format? (`callrec audit --help`)\n')
  })

  test('an unknown command names the one meant; a topic lists its commands', async () => {
    const typo = await callrec(['audti'])
    assert.equal(typo.code, 2)
    assert.equal(typo.stderr, 'callrec: audti: no such command; did you mean `callrec audit`?\n')
    // With its arguments, as a user types it: oclif joins them to the id.
    const withArgs = await callrec(['audti', EXAMPLE, '--now', '2026-11-23T00:00:00Z'])
    assert.equal(withArgs.code, 2)
    assert.match(withArgs.stderr, /^callrec: audti .*: no such command; did you mean `callrec audit`\?\n$/)
    assert.match((await callrec(['hodl', 'ad', 'x.wav'])).stderr, /did you mean `callrec hold add`\?/)
    const far = await callrec(['frobnicate'])
    assert.equal(far.code, 2)
    assert.match(far.stderr, /^callrec: frobnicate: no such command \(`callrec --help` lists the commands\)\n$/)
  })

  test('a missing required flag and a bad option value, each on one line', async () => {
    const missing = await callrec(['find', EXAMPLE])
    assert.equal(missing.code, 2)
    assert.equal(missing.stderr, 'callrec: Missing required flag caller (`callrec find --help`)\n')
    const option = await callrec(['audit', EXAMPLE, '--format', 'xml'])
    assert.equal(option.code, 2)
    assert.equal(option.stderr.split('\n').length, 2)
  })

  test('a missing archive says there is no such folder', async () => {
    const {code, stderr} = await callrec(['audit', '/nonexistent/archive'])
    assert.equal(code, 2)
    assert.equal(stderr, 'callrec: /nonexistent/archive: no such folder\n')
  })
})

describe('help lists the exit codes each command has', () => {
  const help = async (...command: string[]) => (await callrec([...command, '--help'])).stdout
  test('encrypt and access-log verify do not promise --fail-on codes; audit does', async () => {
    const encrypt = await help('encrypt')
    assert.doesNotMatch(encrypt, /--fail-on/)
    assert.doesNotMatch(encrypt, /^\s+1 {2}/m)
    assert.match(encrypt, /^\s+4 {2}another callrec run holds the archive's lock/m)
    const verify = await help('access-log', 'verify')
    assert.doesNotMatch(verify, /--fail-on/)
    assert.match(verify, /^\s+1 {2}the journal does not verify/m)
    assert.doesNotMatch(verify, /^\s+4 {2}/m)
    assert.match(await help('audit'), /^\s+1 {2}findings at or above --fail-on/m)
  })
})

describe('counts and plans', () => {
  test('one recording is "1 recording"', async () => {
    const dir = tempArchive({'a.wav': wav(0.05), 'a.json': {recordedAt: OLD, purpose: 'quality', noticePlayed: true}})
    const table = await callrec(['audit', dir, '--now', NOW, '--format', 'table'])
    assert.match(table.stdout, /^1 recording \(/m)
    const plan = await callrec(['purge', dir, '--now', NOW, '--dry-run'])
    assert.match(plan.stdout, /1 recording to delete \(1 file,/)
  })

  test('purge --dry-run --json gives every key of the plan, not a sample', async () => {
    const dir = tempArchive(recordings(25, () => true))
    const {json} = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
    assert.equal(json.plan.recordings, 25)
    assert.equal(json.plan.keys.length, 25)
    assert.equal(json.plan.sample.length, 10)
    const text = await callrec(['purge', dir, '--now', NOW, '--dry-run'])
    assert.match(text.stdout, /… and 15 more \(--json lists them all\)/)
  })
})

test('report compliance will not pour HTML into a terminal', () => {
  // `script` gives the command a terminal as its stdout.
  let output = ''
  let status = 0
  try {
    output = execFileSync('script', ['-qec', `${process.execPath} ${BIN} report compliance ${EXAMPLE} --now ${NOW}`, '/dev/null'], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
  } catch (error) {
    status = (error as {status: number}).status
    output = (error as {stdout: string}).stdout
  }
  assert.equal(status, 2)
  assert.match(output, /callrec: the HTML report goes to a file: add -o FILE/)
  assert.doesNotMatch(output, /<html/)
})
