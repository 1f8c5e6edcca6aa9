import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {promisify} from 'node:util'
import {NOW, ROOT} from '../helpers.js'

const run = promisify(execFile)
// npm and the installed bin (#!/usr/bin/env node) both run on this test's Node 22.
const env = {...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1'}

test('npm pack installs globally on a clean prefix, with its man pages, and the installed callrec audits fixtures/archive', {timeout: 600_000}, async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'callrec-pack-'))
  const archive = path.join(ROOT, 'fixtures', 'archive')
  try {
    // dist/ is already built (pretest); --ignore-scripts keeps `prepare` from rebuilding it under running tests.
    const {stdout} = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {cwd: ROOT, env})
    const tarball = path.join(work, JSON.parse(stdout)[0].filename)
    const prefix = path.join(work, 'prefix')
    // As the README says: callrec's own install script (the music-metadata patch) allowed by the tarball's path; no warning.
    const install = await run('npm', ['install', '--global', `--allow-scripts=${tarball}`, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {cwd: work, env, maxBuffer: 64 * 1024 * 1024})
    assert.doesNotMatch(install.stderr, /npm warn|EBADENGINE/, install.stderr)
    const collector = path.join(prefix, 'lib', 'node_modules', 'callrec', 'node_modules', 'music-metadata', 'lib', 'common', 'MetadataCollector.js')
    assert.match(readFileSync(collector, 'utf8'), /sharedTagMapper/, 'the postinstall applied the music-metadata patch')

    assert.ok(existsSync(path.join(prefix, 'share', 'man', 'man1', 'callrec-audit.1')), 'man pages installed')
    // As a sysadmin runs it: `callrec` found on the PATH, from a folder that is not the clone.
    const onPath = {...env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${env.PATH}`}
    const installed = (await run('sh', ['-c', 'command -v callrec'], {cwd: work, env: onPath})).stdout.trim()
    assert.equal(installed, path.join(prefix, 'bin', 'callrec'))
    // Exit 1: the example archive trips every rule on purpose.
    const audit = await run('callrec', ['audit', archive, '--now', NOW, '--json'], {cwd: work, env: onPath}).catch((error) => error)
    assert.equal(audit.code, 1, audit.stderr)
    const result = JSON.parse(audit.stdout)
    assert.equal(result.summary.archive, archive)
    assert.ok(result.summary.recordings > 20)
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version
    assert.match((await run(installed, ['--version'], {cwd: work, env})).stdout, new RegExp(`^callrec/${version.replace(/\./g, '\\.')} `))
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
})

test('shell completion: the autocomplete plugin knows the commands and their flags', async () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'callrec-cache-'))
  try {
    // `callrec autocomplete bash` prints the setup steps and builds the completion cache they source.
    const {stdout} = await run(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'autocomplete', 'bash'], {env: {...env, XDG_CACHE_HOME: cache}})
    assert.match(stdout, /callrec autocomplete script bash/)
    const functions = readFileSync(path.join(cache, 'callrec', 'autocomplete', 'functions', 'bash', 'callrec.bash'), 'utf8')
    assert.match(functions, /report:compliance/)
    assert.match(functions, /--lang/)
  } finally {
    rmSync(cache, {recursive: true, force: true})
  }
})

test("the README's install section and its cron and systemd examples name the same installed command", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## Quick start'))
  assert.ok(readme.indexOf('## Install') < readme.indexOf('## Quick start'), 'install comes first')
  const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version
  assert.match(install, /npm pack/)
  assert.ok(install.includes(`tarball=$PWD/callrec-${version}.tgz`), 'the tarball npm pack writes')
  assert.ok(install.includes('sudo npm install --global --allow-scripts="$tarball" "$tarball"'), 'installed with its install script allowed')
  assert.match(install, /Node\.js 22 or later/)
  const scheduled = [...readme.matchAll(/^(?:\d+ \d+ [*\d]+ \* \*\s+callrec\s+|ExecStart=.*exec )(\S+) /gm)].map((match) => match[1])
  assert.ok(scheduled.length >= 3)
  for (const command of scheduled) assert.equal(command, '/usr/local/bin/callrec')
  assert.ok(install.includes('/usr/local/bin/callrec'))
})
