import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {promisify} from 'node:util'
import {writeManPages} from '../../scripts/man.js'
import {ROOT} from '../helpers.js'

const run = promisify(execFile)

test('the man pages are current: regenerated from the commands, they equal man/ and the package lists them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-man-'))
  try {
    const files = await writeManPages(dir)
    assert.deepEqual(readdirSync(path.join(ROOT, 'man')).toSorted(), files.toSorted(), 'run `npm run man`')
    for (const file of files) assert.equal(readFileSync(path.join(ROOT, 'man', file), 'utf8'), readFileSync(path.join(dir, file), 'utf8'), `${file} is stale: run \`npm run man\``)
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    assert.deepEqual(pkg.man, files.map((file) => `./man/${file}`))
    for (const page of ['callrec-audit.1', 'callrec-report-register.1', 'callrec-report-compliance.1', 'callrec-init.1']) assert.ok(files.includes(page), page)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('man -l renders callrec-audit.1 without a warning', async () => {
  const {stdout, stderr} = await run('man', ['-l', path.join(ROOT, 'man', 'callrec-audit.1')], {env: {...process.env, MANWIDTH: '80', MANPAGER: 'cat', LANG: 'C.UTF-8'}})
  assert.equal(stderr, '')
  assert.match(stdout, /^CALLREC-AUDIT\(1\)/)
  for (const heading of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES', 'SEE ALSO']) assert.match(stdout, new RegExp(`^${heading}$`, 'm'))
  assert.match(stdout, /-f, --format table\|json\|ndjson\|csv/)
  assert.match(stdout, /callrec audit \.\/archive --format csv > findings\.csv/)
  assert.match(stdout, /130 interrupted/)
})
