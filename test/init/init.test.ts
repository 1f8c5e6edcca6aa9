import assert from 'node:assert/strict'
import {readFileSync, writeFileSync, existsSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {detectLayout} from '../../src/init/detect.js'
import {defaultAnswers, policyText} from '../../src/init/policy-file.js'
import {loadPolicyFile} from '../../src/policy/load.js'
import {LocalStore} from '../../src/store/local.js'
import {callrec, callrecJson, makeArchive, ROOT, wav} from '../helpers.js'

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'

test('init --defaults writes a commented callrec.yml that the loader accepts, with CNIL retentions', async () => {
  const archive = makeArchive({'rec/a.wav': wav(0.1), 'cdr/Master.csv': ''})
  try {
    const result = await callrec(['init', archive.dir, '--defaults'])
    assert.equal(result.code, 0, result.stderr)
    const file = path.join(archive.dir, 'callrec.yml')
    const {policy} = await loadPolicyFile(file)
    assert.equal(policy.purposes.quality.retention, '6 months')
    assert.equal(policy.purposes.analysis.retention, '12 months')
    assert.deepEqual(policy.cdr, [{path: 'cdr/Master.csv', format: 'asterisk-csv'}])
    assert.match(policy.register!.createdOn!, /^\d{4}-\d\d-\d\d$/)
    const text = readFileSync(file, 'utf8')
    for (const key of ['timezone', 'purposes', 'cdr', 'encryption', 'journal', 'register']) {
      assert.match(text, new RegExp(`# [^\\n]+\\n${key}:`), `${key} has a comment`)
    }
    // The header lists what the register still needs: the same fields `report register` reports missing.
    const {json} = await callrecJson(['report', 'register', archive.dir])
    for (const missing of json.missing) assert.ok(text.includes(`#   ${missing.field}\n`), missing.field)
  } finally {
    archive.cleanup()
  }
})

test('init refuses to overwrite a policy without --force, and never prompts without a terminal', async () => {
  const archive = makeArchive({'callrec.yml': 'timezone: UTC\n'})
  try {
    const file = path.join(archive.dir, 'callrec.yml')
    const refused = await callrec(['init', '--archive', archive.dir, '--defaults'])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /callrec\.yml: already exists \(--force overwrites it\)/)
    assert.equal(readFileSync(file, 'utf8'), 'timezone: UTC\n')

    const forced = await callrec(['init', '--archive', archive.dir, '--defaults', '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(readFileSync(file, 'utf8'), /^# callrec policy/)

    const other = path.join(archive.dir, 'other.yml')
    const noTty = await callrec(['init', archive.dir, '-o', other], {input: 'ACME\n'})
    assert.equal(noTty.code, 2)
    assert.match(noTty.stderr, /not a terminal: use --defaults/)
    assert.equal(existsSync(other), false)
  } finally {
    archive.cleanup()
  }
})

test('init on the example archive finds its FreePBX names and its Master.csv', async () => {
  const archive = makeArchive({})
  try {
    const file = path.join(archive.dir, 'callrec.yml')
    const {code, json} = await callrecJson(['init', path.join(ROOT, 'fixtures', 'archive'), '--defaults', '-o', file])
    assert.equal(code, 0)
    assert.equal(json.layout.pbx.name, 'FreePBX')
    const {policy} = await loadPolicyFile(file)
    assert.equal(policy.register!.software, 'FreePBX')
    assert.deepEqual(policy.cdr, [{path: 'Master.csv', format: 'asterisk-csv'}])
  } finally {
    archive.cleanup()
  }
})

test('detectLayout: the convention most file names follow, and the Asterisk Master.csv', async () => {
  const archive = makeArchive({'2026/05/14/in-1.wav': '', '2026/05/14/in-2.wav': '', 'x/other.wav': '', 'cdr-csv/Master.csv': '', 'notes.txt': ''})
  try {
    const match = (key: string) => (key.startsWith('2026/') ? {pattern: 'freepbx', facts: {}} : key.startsWith('x/') ? {pattern: 'oreka', facts: {}} : undefined)
    const {names, ...layout} = await detectLayout(new LocalStore(archive.dir), match)
    assert.deepEqual(layout, {
      pbx: {id: 'freepbx', name: 'FreePBX', matched: 2, seen: 3},
      cdr: {path: 'cdr-csv/Master.csv', format: 'asterisk-csv'},
    })
    assert.equal(names.seen, 3)
    const {names: _, ...none} = await detectLayout(new LocalStore(archive.dir), () => undefined)
    assert.deepEqual(none, {cdr: {path: 'cdr-csv/Master.csv', format: 'asterisk-csv'}})
  } finally {
    archive.cleanup()
  }
})

test('the answers of the wizard make a policy the loader accepts; recipients make encryption required', async () => {
  const archive = makeArchive({})
  try {
    const file = path.join(archive.dir, 'callrec.yml')
    const answers = {
      ...defaultAnswers('2026-11-23', {software: 'FreePBX'}),
      controller: {name: 'ACME: "Assurances" # 1', email: 'contact@acme.example'},
      dpo: {name: 'Jeanne Martin'},
      purposes: ['quality', 'mifid-ii'] as const,
      timezone: 'America/Martinique',
      recipients: [RECIPIENT],
      journalPath: '.callrec/journal',
    }
    writeFileSync(file, policyText({...answers, purposes: [...answers.purposes]}, file))
    const {policy} = await loadPolicyFile(file)
    assert.equal(policy.controller!.name, 'ACME: "Assurances" # 1')
    assert.deepEqual(Object.keys(policy.purposes), ['quality', 'mifid-ii'])
    assert.equal(policy.purposes['mifid-ii'].retention, '5 years')
    assert.equal(policy.timezone, 'America/Martinique')
    assert.deepEqual(policy.encryption, {required: true, recipients: [RECIPIENT], skipHeld: false})
    assert.equal(policy.journal.path, '.callrec/journal')
    assert.equal(policy.register!.software, 'FreePBX')
    assert.doesNotMatch(readFileSync(file, 'utf8'), /#   controller\.name/)
  } finally {
    archive.cleanup()
  }
})

test('init writes the words of the register in the language chosen: French by default, English with --lang en', async () => {
  for (const [lang, expected, foreign] of [
    ['fr', /Intérêt légitime \(RGPD art\. 6\.1\.f\)[\s\S]*Appelants \(clients, prospects\)/, /Legitimate interest|Callers/],
    ['en', /Legitimate interest \(GDPR art\. 6\(1\)\(f\)\)[\s\S]*Callers \(customers, prospects\)/, /Intérêt|Appelants|écoute/],
  ] as const) {
    const archive = makeArchive({'rec/a.wav': wav(0.1)})
    try {
      const result = await callrec(['init', archive.dir, '--defaults', '--lang', lang])
      assert.equal(result.code, 0, result.stderr)
      const text = readFileSync(path.join(archive.dir, 'callrec.yml'), 'utf8')
      assert.match(text, expected)
      assert.doesNotMatch(text.replace(/^#.*$/gm, ''), foreign)
    } finally {
      archive.cleanup()
    }
  }
})
