// Hostile names and sidecar values, as an attacker who can drop a file in the archive would write them: nothing
// read from the archive may drive a terminal (escape sequences, line breaks) or run as a spreadsheet formula in
// any CSV callrec writes. The CSVs are read back with Python's csv module and with LibreOffice, in a `,` and in
// a `;` locale (French Excel).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {NOW, OLD} from '../purge/fixtures.ts'

const HOSTILE = [
  'evil\u001b]0;PWNED\u0007\u001b[2J\u001b[1;31mFAKE-OK',
  'new\nline',
  'x;=1+1;',
  ' =2+2',
  '\t@SUM(A1)',
  'csi\u009b2Jc1',
  'quote"comma,semi;',
]
const files: Record<string, Buffer | object | string> = {}
for (const name of HOSTILE) {
  files[`${name}.wav`] = wav(0.05)
  files[`${name}.json`] = {recordedAt: OLD, purpose: 'quality', noticePlayed: true, agent: '=HYPERLINK("http://x")', queue: '\u001b[2Jq'}
}
const made = makeArchive(files)
const work = mkdtempSync(path.join(tmpdir(), 'callrec-injection-'))
after(() => {
  made.cleanup()
  rmSync(work, {recursive: true, force: true})
})

// C0 and C1 controls other than the line breaks that end output lines.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

function assertPrintable(text: string, what: string): void {
  const at = text.search(CONTROL)
  assert.equal(at, -1, `${what}: control character ${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))}`)
}

describe('terminal output escapes what it reads from the archive', () => {
  test('audit table: no escape sequence, one line per finding', async () => {
    const {stdout, stderr} = await callrec(['audit', made.dir, '--now', NOW, '--format', 'table'])
    assertPrintable(stdout, 'audit stdout')
    assertPrintable(stderr, 'audit stderr')
    assert.match(stdout, /evil\\e\]0;PWNED\\x07\\e\[2J\\e\[1;31mFAKE-OK\.wav/)
    assert.match(stdout, /new\\nline\.wav/)
    assert.doesNotMatch(stdout, /^line\.wav/m, 'a newline in a name does not start a line of its own')
  })

  test('purge plan and result, --explain, errors', async () => {
    const plan = await callrec(['purge', made.dir, '--now', NOW, '--dry-run'])
    assertPrintable(plan.stdout + plan.stderr, 'purge plan')
    assert.match(plan.stdout, /7 recordings to delete/)
    const explain = await callrec(['audit', made.dir, '--now', NOW, '--explain', `${HOSTILE[0]}.wav`])
    assert.equal(explain.code, 1, explain.stderr)
    assertPrintable(explain.stdout, 'explain')
    assert.match(explain.stdout, /queue +\\e\[2Jq/)
    const error = await callrec(['audit', path.join(made.dir, HOSTILE[0])])
    assert.equal(error.code, 2)
    assertPrintable(error.stderr, 'error')
    assert.match(error.stderr, /FAKE-OK: no such folder\n$/)
  })
})

/** Every row of a CSV file as Python's csv module reads it. */
function pythonRows(file: string, delimiter: ',' | ';'): string[][] {
  const script = 'import csv, json, sys\nwith open(sys.argv[1], newline="", encoding="utf-8") as f: print(json.dumps(list(csv.reader(f, delimiter=sys.argv[2]))))'
  return JSON.parse(execFileSync('python3', ['-c', script, file, delimiter], {encoding: 'utf8'}))
}

/** The formulas LibreOffice Calc finds in CSV files it imports with this separator, per file. */
function libreOfficeFormulas(csvFiles: string[], separator: ',' | ';'): Record<string, string[]> {
  const out = mkdtempSync(path.join(work, 'lo-'))
  const copies = csvFiles.map((file) => {
    const copy = path.join(out, path.basename(file))
    writeFileSync(copy, readFileSync(file))
    return copy
  })
  execFileSync(
    'soffice',
    [`-env:UserInstallation=file://${out}/profile`, '--headless', '--convert-to', 'fods', `--infilter=CSV:${separator.charCodeAt(0)},34,76,1`, '--outdir', out, ...copies],
    {stdio: 'ignore', timeout: 120_000},
  )
  const result: Record<string, string[]> = {}
  for (const copy of copies) {
    const fods = readFileSync(copy.replace(/\.csv$/, '.fods'), 'utf8')
    result[path.basename(copy)] = [...fods.matchAll(/table:formula="([^"]*)"/g)].map((match) => match[1])
  }
  assert.equal(readdirSync(out).filter((name) => name.endsWith('.fods')).length, copies.length)
  return result
}

describe('every CSV callrec writes is RFC 4180 and formula-free', () => {
  const csvs: Record<string, string> = {}

  test('audit, compliance report, certificate and journal export as CSV', async () => {
    const audit = await callrec(['audit', made.dir, '--now', NOW, '--format', 'csv'])
    csvs['audit.csv'] = audit.stdout
    const compliance = await callrec(['report', 'compliance', made.dir, '--now', NOW, '--format', 'csv'])
    assert.equal(compliance.code, 0, compliance.stderr)
    csvs['compliance.csv'] = compliance.stdout
    const certificate = path.join(work, 'certificate.csv')
    const purge = await callrec(['purge', made.dir, '--now', NOW, '--yes', '--certificate', certificate, '--reason', '=cmd|" /C calc"!A0'])
    assert.equal(purge.code, 0, purge.stderr)
    csvs['certificate.csv'] = readFileSync(certificate, 'utf8')
    const journal = await callrec(['access-log', 'export', made.dir, '--format', 'csv'])
    assert.equal(journal.code, 0, journal.stderr)
    csvs['journal.csv'] = journal.stdout
    for (const [name, text] of Object.entries(csvs)) writeFileSync(path.join(work, name), text)
  })

  test("Python's csv module: every row as wide as the header, every hostile name in one cell, no cell a formula", () => {
    for (const name of Object.keys(csvs)) {
      const rows = pythonRows(path.join(work, name), ',')
      const width = rows[0].length
      for (const row of rows) assert.equal(row.length, width, `${name}: row ${JSON.stringify(row)}`)
      for (const cell of rows.flat()) assert.doesNotMatch(cell, /^\s*[=+\-@]/, `${name}: formula cell ${JSON.stringify(cell)}`)
      // A line break stays in its cell; a formula after a `;` gets the quote that a `;` spreadsheet needs.
      if (name !== 'journal.csv') for (const hostile of ['new\nline.wav', "x;'=1+1;.wav"]) assert.ok(rows.flat().some((cell) => cell.includes(hostile)), `${name}: ${JSON.stringify(hostile)} in one cell`)
    }
    const audit = pythonRows(path.join(work, 'audit.csv'), ',')
    assert.ok(audit.flat().includes("' =2+2.wav"), 'a formula after blanks is neutralised')
  })

  for (const separator of [',', ';'] as const) {
    test(`LibreOffice Calc imports them with "${separator}" as separator and finds no formula`, () => {
      const formulas = libreOfficeFormulas(Object.keys(csvs).map((name) => path.join(work, name)), separator)
      assert.deepEqual(formulas, Object.fromEntries(Object.keys(csvs).map((name) => [name, []])))
    })
  }
})
