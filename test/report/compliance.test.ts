import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {parse} from 'csv-parse/sync'
import {DateTime} from 'luxon'
import type {AuditSummary} from '../../src/audit.js'
import type {Recording} from '../../src/model.js'
import {parsePolicy} from '../../src/policy/load.js'
import {rowJoiner, statsCollector, type ComplianceRow} from '../../src/report/compliance.js'
import {complianceHtml} from '../../src/report/compliance-html.js'
import {RULES} from '../../src/rules/index.js'
import {callrec, callrecJson, NOW} from '../helpers.js'
import {FULL_POLICY} from './policies.js'
import {sampleArchive, XSS} from './sample.js'

const policy = parsePolicy(FULL_POLICY, 'callrec.yml')
const now = DateTime.fromISO(NOW, {zone: 'utc'})

function recording(key: string, fields: Recording['fields'] = {}): Recording {
  return {key, size: 1, modifiedAt: NOW, encrypted: false, fields, problems: []}
}

test('rows join each recording with the findings that follow it; a finding on another key is a row of its own', async () => {
  const rows: ComplianceRow[] = []
  const joiner = rowJoiner(policy, now, ['retention-expired', 'consent-missing'], async (row) => void rows.push(row))
  await joiner.recording(recording('a.wav', {recordedAt: {value: '2026-01-01T00:00:00.000Z', source: 'sidecar', ref: 'a.json'}, purpose: {value: 'quality', source: 'sidecar', ref: 'a.json'}}))
  await joiner.finding({rule: 'consent-missing', severity: 'warning', key: 'a.wav', message: ''})
  await joiner.finding({rule: 'retention-expired', severity: 'error', key: 'a.wav', message: ''})
  await joiner.finding({rule: 'orphan-sidecar', severity: 'warning', key: 'z.json', message: ''})
  assert.deepEqual(rows, [{kind: 'finding', key: 'z.json', verdict: 'warning', rules: {'retention-expired': false, 'consent-missing': false}, message: ''}], 'a recording row waits for its findings')
  rows.shift()
  await joiner.recording(recording('b.wav', {legalHold: {value: {reason: 'court'}, source: 'sidecar', ref: 'b.json'}}))
  await joiner.end()
  assert.deepEqual(rows[0], {
    kind: 'recording',
    key: 'a.wav',
    verdict: 'error',
    rules: {'retention-expired': true, 'consent-missing': true},
    recordedAt: '2026-01-01T00:00:00.000Z',
    recordedAtSource: 'sidecar',
    purpose: 'quality',
    retentionEnd: '2026-06-30T23:00:00.000Z',
    encrypted: false,
    hold: false,
  })
  assert.equal(rows[1].verdict, 'ok')
  assert.equal(rows[1].hold, true)
})

test('the systematic-recording chart shows each agent and day against the threshold, highest share first', () => {
  const collector = statsCollector(policy, now)
  const summary = {now: NOW, archive: '/a', policy: 'p', recordings: 0, bytes: 0, encrypted: 0, unreadable: 0, withNotice: 0, findings: {error: 0, warning: 0, info: 0}, byRule: {}} satisfies AuditSummary
  const agentDays = [
    {agent: '1001', day: '2026-11-02', answered: 40, recorded: 10, file: 'Master.csv'},
    {agent: '<b>1002</b>', day: '2026-11-02', answered: 40, recorded: 36, file: 'Master.csv'},
  ]
  const page = complianceHtml({lang: 'en', summary, stats: collector.stats, findings: [], policy, agentDays})
  const chart = /<figure data-chart="systematic">.*?<\/figure>/s.exec(page)?.[0] ?? ''
  assert.match(chart, /threshold 50%/)
  assert.ok(chart.indexOf('&lt;b&gt;1002&lt;/b&gt;') < chart.indexOf('1001 · 2026-11-02'), 'highest share first, escaped')
  assert.match(chart, /90% \(36\/40\)/)
  assert.doesNotMatch(complianceHtml({lang: 'en', summary, stats: collector.stats, findings: [], policy}), /data-chart="systematic"/)
})

test('report compliance --format csv: one row per recording, rule columns yes/no, formula cells neutralised', async () => {
  const archive = sampleArchive()
  try {
    const result = await callrec(['report', 'compliance', archive.dir, '--now', NOW, '--format', 'csv'])
    assert.equal(result.code, 0, result.stderr)
    const records: Record<string, string>[] = parse(result.stdout, {columns: true})
    assert.equal(records.filter((record) => record.kind === 'recording').length, 42)
    assert.deepEqual(Object.keys(records[0]), ['kind', 'key', 'verdict', ...RULES.map((rule) => rule.meta.id), 'recordedAt', 'recordedAtSource', 'purpose', 'retentionEnd', 'encrypted', 'hold', 'message'])
    const old = records.find((record) => record.key === 'rec/38.wav')!
    assert.equal(old['retention-expired'], 'yes')
    assert.equal(old.verdict, 'error')
    assert.equal(old.recordedAtSource, 'sidecar')
    assert.equal(records.find((record) => record.key === 'rec/00.wav')!['retention-expired'], 'no')
    assert.equal(records.find((record) => record.key === 'rec/11.wav')!.hold, 'yes')
    assert.equal(records.find((record) => record.key === 'rec/formula.wav')!.purpose, `'=HYPERLINK("http://x","y")`)
  } finally {
    archive.cleanup()
  }
})

test('report compliance --format json and --json give the same rows', async () => {
  const archive = sampleArchive()
  try {
    const streamed = JSON.parse((await callrec(['report', 'compliance', archive.dir, '--now', NOW, '--format', 'json'])).stdout)
    const {code, json} = await callrecJson(['report', 'compliance', archive.dir, '--now', NOW])
    assert.equal(code, 0)
    assert.equal(streamed.rows.filter((row: {kind: string}) => row.kind === 'recording').length, 42)
    assert.deepEqual(streamed.rows, json.rows)
    assert.equal(streamed.verdict, 'error')
    assert.equal(json.summary.recordings, 42)
  } finally {
    archive.cleanup()
  }
})

test('report compliance: the HTML page is self-contained and shows a sidecar\'s <script> as text', async () => {
  const archive = sampleArchive()
  try {
    const out = path.join(archive.dir, 'report.html')
    const result = await callrec(['report', 'compliance', '--archive', archive.dir, '--now', NOW, '-o', out, '--lang', 'en'])
    assert.equal(result.code, 0, result.stderr)
    const page = readFileSync(out, 'utf8')
    assert.doesNotMatch(page, /<script/i)
    assert.doesNotMatch(page, /\b(src|href)=|url\(|@import|@font-face/i)
    assert.ok(page.includes('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;'))
    assert.ok(page.includes(XSS.replace(/[<>"]/g, (char) => ({'<': '&lt;', '>': '&gt;', '"': '&quot;'})[char]!)))
    assert.match(page, /<div class="verdict error" id="verdict">Not compliant<\/div>/)
  } finally {
    archive.cleanup()
  }
})

test('report compliance on the example archive: findings tied to no recording are rows of their own; the chart shows only judged agent-days', async () => {
  const archive = path.join(import.meta.dirname, '../../fixtures/archive')
  const csv = await callrec(['report', 'compliance', archive, '--now', NOW, '--format', 'csv'])
  assert.equal(csv.code, 0, csv.stderr)
  const records: Record<string, string>[] = parse(csv.stdout, {columns: true})
  const findingRows = records.filter((record) => record.kind === 'finding')
  for (const rule of ['orphan-sidecar', 'orphan-cdr', 'systematic-recording']) {
    const rows = findingRows.filter((record) => record[rule] === 'yes')
    assert.ok(rows.length > 0, `${rule} has rows`)
    for (const row of rows) assert.ok(row.message.length > 0 && row.verdict === 'warning')
  }
  assert.match(findingRows.find((record) => record['systematic-recording'] === 'yes')!.message, /agent 1002 le 2026-10-06 : 4 appels décrochés enregistrés sur 4/)
  // Every rule the audit reported shows in the CSV, and no rule shows that the audit did not report.
  const {json} = await callrecJson(['audit', archive, '--now', NOW])
  for (const rule of RULES) {
    const reported = json.findings.some((finding: {rule: string}) => finding.rule === rule.meta.id)
    assert.equal(records.some((record) => record[rule.meta.id] === 'yes'), reported, rule.meta.id)
  }

  const page = (await callrec(['report', 'compliance', archive, '--now', NOW, '--lang', 'en', '--format', 'html'])).stdout
  const chart = /<figure data-chart="systematic">.*?<\/figure>/s.exec(page)![0]
  const rows = [...chart.matchAll(/\((\d+)\/(\d+)\)<\/text>/g)].map((match) => Number(match[2]))
  assert.ok(rows.length > 0)
  for (const answered of rows) assert.ok(answered >= 4, `an agent-day below minCalls (${answered} calls) is charted`)
  assert.match(chart, /pairs with fewer than 4 answered calls are not judged/)
})
