import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import type {AuditSummary} from '../../src/audit.js'
import type {JournalEntry} from '../../src/journal/types.js'
import {parsePolicy} from '../../src/policy/load.js'
import {lastPurge} from '../../src/report/last-purge.js'
import {buildRegister, measuredFacts, missingFields, storageFact} from '../../src/report/register.js'
import {registerMarkdown} from '../../src/report/register-md.js'
import {callrec, callrecJson, makeArchive, NOW, wav} from '../helpers.js'
import {FULL_POLICY} from './policies.js'

const SUMMARY: AuditSummary = {
  archive: '/a',
  policy: '/a/callrec.yml',
  now: NOW,
  recordings: 4,
  bytes: 1000,
  encrypted: 3,
  unreadable: 0,
  withNotice: 2,
  oldestRecordedAt: '2026-01-02T10:00:00.000Z',
  findings: {error: 1, warning: 0, info: 0},
  byRule: {'retention-expired': 1, 'consent-missing': 0},
}

let seq = 0
function entry(at: string, outcome: JournalEntry['outcome'], details: Record<string, unknown> = {}, action: JournalEntry['action'] = 'purge'): JournalEntry {
  return {seq: ++seq, time: at, actor: {user: 'u', host: 'h'}, prev: '', hash: '', command: action, action, outcome, keys: ['a.wav'], details}
}

test('lastPurge: the last purge run, its deletions counted (less those undone) and its certificate; null without one', async () => {
  const entries = [
    entry('2026-01-01T00:00:00Z', 'ok', {run: 'r1', certificate: 'old.json'}),
    entry('2026-02-01T00:00:00Z', 'ok', {run: 'r2', certificate: '/var/lib/callrec/purge-2026-02-01.json'}),
    entry('2026-02-01T00:00:01Z', 'ok', {run: 'r2', certificate: '/var/lib/callrec/purge-2026-02-01.json'}),
    entry('2026-02-01T00:00:02Z', 'ok', {run: 'r2', certificate: '/var/lib/callrec/purge-2026-02-01.json'}),
    entry('2026-02-01T00:00:03Z', 'refused', {why: 'erasure refused'}),
    entry('2026-04-01T00:00:00Z', 'ok', {}, 'decrypt'),
  ]
  entries.push(entry('2026-02-01T00:00:04Z', 'failed', {run: 'r2', undoes: entries[3].seq}))
  assert.deepEqual(await lastPurge(entries), {at: '2026-02-01T00:00:02Z', run: 'r2', recordings: 2, certificate: '/var/lib/callrec/purge-2026-02-01.json'})
  async function* journal() {
    yield* entries.slice(4)
  }
  assert.equal(await lastPurge(journal()), null)
})

test('storageFact: a region says whether it is in the EU/EEA', () => {
  assert.deepEqual(storageFact('/srv/rec'), {location: '/srv/rec'})
  assert.equal(storageFact('s3://b', {region: 'eu-west-3'}).inEea, true)
  assert.equal(storageFact('s3://b', {region: 'eu-west-2'}).inEea, false)
  assert.equal(storageFact('s3://b', {region: 'us-east-1'}).inEea, false)
  assert.equal(storageFact('s3://b', {region: 'fr-par'}).inEea, undefined)
  // A server that is not AWS: its region is its own setting; the policy's storage.country decides, or is asked for.
  assert.deepEqual(storageFact('s3://b', {region: 'us-east-1', endpoint: 'https://s3.example.fr'}), {location: 's3://b', region: 'https://s3.example.fr', needsCountry: true})
  assert.equal(storageFact('s3://b', {region: 'us-east-1', endpoint: 'https://s3.example.fr'}, 'FR').inEea, true)
  assert.equal(storageFact('s3://b', {region: 'eu-west-3', endpoint: 'https://s3.example.ch'}, 'CH').inEea, false)
})

test('a full policy misses nothing; the default policy misses the mandatory facts by field', () => {
  assert.deepEqual(missingFields(parsePolicy(FULL_POLICY, 'callrec.yml')), [])
  const fields = missingFields(parsePolicy('{}', 'callrec.yml')).map((missing) => missing.field)
  for (const field of ['controller.name', 'dpo.email', 'register.createdOn', 'purposes.quality.legalBasis', 'register.transfers', 'register.staffCouncilConsultedOn', 'register.employeeNoticeRef']) {
    assert.ok(fields.includes(field), field)
  }
})

test('the register has the CNIL template sections in order, in French and in English, with the measured facts', () => {
  const policy = parsePolicy(FULL_POLICY, 'callrec.yml')
  const facts = measuredFacts(SUMMARY, storageFact('/a'), {at: '2026-02-01T00:00:00Z', run: 'r7', recordings: 12, certificate: 'purge-7.json'})
  const fr = buildRegister({policy, policyFile: 'callrec.yml', archive: '/a', facts, lang: 'fr', tool: 'callrec 0.1.0'})
  assert.deepEqual(
    fr.sections.map((section) => section.title),
    [
      'Nom et coordonnées du responsable du traitement',
      'Délégué à la protection des données',
      'Date de création, dernière mise à jour',
      'Responsable conjoint',
      'Logiciel',
      'Finalités et base légale',
      'Catégories de personnes concernées',
      'Catégories de données',
      'Durées de conservation',
      'Destinataires',
      'Transferts hors UE',
      'Mesures de sécurité',
      "Faits mesurés lors de l'audit",
    ],
  )
  const text = registerMarkdown(fr)
  assert.match(text, /insurance-contract\*\* : 2 ans à compter de l'appel/)
  assert.match(text, /Base légale : obligation légale \(art\. 6\.1\.c\)/)
  assert.match(text, /Part chiffrée\*\* : 75\s% \(3 sur 4\)/)
  assert.match(text, /2026-02-01T00:00:00Z, 12 enregistrements supprimés/)
  assert.match(text, /Certificat : purge-7\.json/)
  assert.match(text, /Aucun transfert hors de l'UE\/EEE/)
  assert.match(text, /Consulté le 2024-11-20/)
  assert.doesNotMatch(text, /Champs obligatoires manquants/)

  const en = registerMarkdown(buildRegister({policy, policyFile: 'callrec.yml', archive: '/a', facts: {...facts, lastPurge: null}, lang: 'en', tool: 'callrec 0.1.0'}))
  assert.match(en, /## 11\. Transfers outside the EU/)
  assert.match(en, /Share encrypted\*\*: 75% \(3 of 4\)/)
  assert.match(en, /no purge in the journal/)
})

test('Markdown punctuation in the policy stays text', () => {
  const policy = parsePolicy(FULL_POLICY.replace('ACME Assurances', '"*ACME* <b>[x](y)</b>"'), 'callrec.yml')
  const text = registerMarkdown(buildRegister({policy, policyFile: 'p', archive: '/a', facts: measuredFacts(SUMMARY, storageFact('/a'), undefined), lang: 'en', tool: 't'}))
  assert.match(text, /\\\*ACME\\\* \\<b\\>\\\[x\\\]\(y\)\\<\/b\\>/)
})

test('report register: missing mandatory fields at the top, exit 1, listed by --json', async () => {
  const archive = makeArchive({'a/1.wav': wav()})
  try {
    const md = await callrec(['report', 'register', archive.dir, '--now', NOW])
    assert.equal(md.code, 1)
    assert.ok(md.stdout.indexOf('Champs obligatoires manquants') < md.stdout.indexOf('## 1.'))
    assert.match(md.stderr, /mandatory register fields missing from the policy: controller\.name/)
    const {code, json} = await callrecJson(['report', 'register', '--archive', archive.dir, '--now', NOW])
    assert.equal(code, 1)
    assert.ok(json.missing.some((missing: {field: string}) => missing.field === 'register.employeeNoticeRef'))
    assert.equal(json.facts.recordings, 1)
  } finally {
    archive.cleanup()
  }
})

test('report register: a complete policy exits 0; -o writes the file atomically, in the chosen format and language', async () => {
  const archive = makeArchive({'callrec.yml': FULL_POLICY, 'a/1.wav': wav(), 'a/1.json': {purpose: 'quality', noticePlayed: true, recordedAt: '2026-10-01T10:00:00Z'}})
  try {
    const out = path.join(archive.dir, 'register.html')
    const result = await callrec(['report', 'register', '--policy', path.join(archive.dir, 'callrec.yml'), '--now', NOW, '--format', 'html', '--lang', 'en', '-o', out])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    const page = readFileSync(out, 'utf8')
    assert.match(page, /^<!doctype html>/)
    assert.match(page, /<h2>12\. Security measures<\/h2>/)
    assert.match(page, /Share with a record that the caller was informed<\/dt><dd>100% \(1 of 1\)/)
    assert.deepEqual(readdirSync(archive.dir).filter((name) => name.startsWith('.callrec-tmp')), [])
    const json = JSON.parse((await callrec(['report', 'register', archive.dir, '--now', NOW, '--format', 'json'])).stdout)
    assert.deepEqual(json.missing, [])
    assert.equal(json.lang, 'fr')
  } finally {
    archive.cleanup()
  }
})

test('report register: a folder that does not exist for -o is a one-line usage error', async () => {
  const archive = makeArchive({'a/1.wav': wav()})
  try {
    const result = await callrec(['report', 'register', archive.dir, '-o', path.join(archive.dir, 'nope', 'r.md')])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^callrec: .*nope\/r\.md: the folder .* does not exist\n$/)
  } finally {
    archive.cleanup()
  }
})

test('report register reads the journal: the last purge, how many it deleted, and its certificate', async () => {
  const archive = makeArchive({
    'callrec.yml': FULL_POLICY,
    'a/1.wav': wav(),
    'a/1.json': {purpose: 'quality', noticePlayed: true, recordedAt: '2025-01-01T10:00:00Z'},
    'a/2.wav': wav(),
    'a/2.json': {purpose: 'quality', noticePlayed: true, recordedAt: '2025-01-02T10:00:00Z'},
    'a/3.wav': wav(),
    'a/3.json': {purpose: 'quality', noticePlayed: true, recordedAt: '2026-11-01T10:00:00Z'},
  })
  try {
    const before = await callrec(['report', 'register', archive.dir, '--now', NOW])
    assert.match(before.stdout, /Dernière purge\*\* : aucune purge au journal/)
    // The certificate's folder must exist before a purge (it is checked first).
    mkdirSync(path.join(archive.dir, '.callrec'))
    const certificate = path.join(archive.dir, '.callrec', 'purge-1.json')
    const purge = await callrec(['purge', archive.dir, '--now', NOW, '--yes', '--certificate', certificate])
    assert.equal(purge.code, 0, purge.stderr)
    const fr = await callrec(['report', 'register', archive.dir, '--now', NOW])
    assert.match(fr.stdout, /Dernière purge\*\*\n {2}- \d{4}-\d\d-\d\dT[\d:.]+Z, 2 enregistrements supprimés\n {2}- Certificat : \S+purge-1\.json\n/)
    const {json} = await callrecJson(['report', 'register', archive.dir, '--now', NOW, '--lang', 'en'])
    assert.equal(json.facts.lastPurge.recordings, 2)
    assert.equal(json.facts.lastPurge.certificate, certificate)
  } finally {
    archive.cleanup()
  }
})
