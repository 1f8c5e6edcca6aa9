import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join, sep} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {bareUniqueId, parseUniqueId} from '../../src/probe/asterisk-id.js'
import {Readable} from 'node:stream'
import {CDR_FORMATS, readCdrFile} from '../../src/probe/cdr/index.js'
import type {CdrCall, CdrProblem} from '../../src/probe/cdr/types.js'
import {wallClockToUtc} from '../../src/probe/time.js'
import {DateTime} from 'luxon'

type Cell = string | number | null

/** One row as cdr_csv writes it: strings quoted with "" doubled, numbers bare, an unset time as nothing at all. */
function row(cells: Cell[]): string {
  return cells.map((cell) => (cell === null ? '' : typeof cell === 'number' ? String(cell) : `"${cell.replaceAll('"', '""')}"`)).join(',')
}

function file(...rows: (string | Buffer)[]): Buffer {
  return Buffer.concat(rows.flatMap((line) => [Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from('\n')]))
}

// The 16 columns every cdr_csv row has: an inbound call answered by extension 1001, 10:15 in Paris in May.
function base(overrides: {clid?: string; channel?: string; dstChannel?: string; lastApp?: string; lastData?: string; start?: string; answer?: string | null; end?: string; duration?: number; billSec?: number; disposition?: string} = {}): Cell[] {
  return [
    '', '0612345678', '0140000000', 'from-trunk', overrides.clid ?? '"Jane Doe" <0612345678>',
    overrides.channel ?? 'PJSIP/ovh-0000001f', overrides.dstChannel ?? 'PJSIP/1001-00000020', overrides.lastApp ?? 'Dial', overrides.lastData ?? 'PJSIP/1001,20,tr',
    overrides.start ?? '2026-05-14 10:15:00', overrides.answer === undefined ? '2026-05-14 10:15:04' : overrides.answer, overrides.end ?? '2026-05-14 10:17:04',
    overrides.duration ?? 124, overrides.billSec ?? 120, overrides.disposition ?? 'ANSWERED', 'DOCUMENTATION',
  ]
}

const PARIS = 'Europe/Paris'

/** Reads a whole file into arrays, the way the index receives it; problems in line order. */
async function parseCdr(bytes: Buffer, file: string, format: 'asterisk-csv' | 'asterisk-custom', timezone: string): Promise<{calls: CdrCall[]; problems: CdrProblem[]}> {
  const calls: CdrCall[] = []
  const problems: (CdrProblem & {line: number})[] = []
  await readCdrFile(Readable.from([bytes]), file, format, timezone, {call: (call) => calls.push(call), problem: (problem) => problems.push(problem)})
  return {calls, problems: problems.sort((a, b) => a.line - b.line).map(({ref, message}) => ({ref, message}))}
}

function csv(bytes: Buffer, timezone = PARIS) {
  return parseCdr(bytes, 'Master.csv', 'asterisk-csv', timezone)
}

test('the registry lists both layouts; an unknown one is refused', async () => {
  assert.deepEqual(CDR_FORMATS.map((format) => format.id), ['asterisk-csv', 'asterisk-custom'])
  await assert.rejects(async () => parseCdr(Buffer.from(''), 'x.csv', 'nope' as 'asterisk-csv', PARIS), /nope: not a CDR format/)
})

test('an empty file has no calls and no problems', async () => {
  assert.deepEqual(await csv(Buffer.from('')), {calls: [], problems: []})
})

test('cdr_csv, 16 columns: every field, times in UTC, no uniqueid', async () => {
  const {calls, problems} = (await csv(file(row(base()))))
  assert.deepEqual(problems, [])
  assert.deepEqual(calls, [{
    source: 'Master.csv',
    ref: 'Master.csv:1',
    uniqueId: '',
    linkedId: undefined,
    start: '2026-05-14T08:15:00.000Z',
    answer: '2026-05-14T08:15:04.000Z',
    end: '2026-05-14T08:17:04.000Z',
    src: '0612345678',
    dst: '0140000000',
    callerName: 'Jane Doe',
    channel: 'PJSIP/ovh-0000001f',
    dstChannel: 'PJSIP/1001-00000020',
    dcontext: 'from-trunk',
    disposition: 'ANSWERED',
    durationSec: 124,
    billSec: 120,
    accountCode: undefined,
    dcontext: 'from-trunk',
    userField: undefined,
    agent: '1001',
    recorded: undefined,
    recordingFile: undefined,
  }])
})

test('cdr_csv, 17 columns: loguniqueid or loguserfield, told apart by the uniqueid\'s shape', async () => {
  const {calls} = (await csv(file(row([...base(), '1778746500.12']), row([...base(), 'vip']), row([...base(), '']))))
  assert.deepEqual(calls.map((call) => [call.uniqueId, call.userField]), [['1778746500.12', undefined], ['', 'vip'], ['', undefined]])
})

test('cdr_csv, 18 columns: uniqueid and a userfield naming the recording', async () => {
  const name = 'in-0140000000-0612345678-20260514-101500-1778746500.12.wav'
  const [call] = (await csv(file(row([...base(), '1778746500.12', name])))).calls
  assert.equal(call.uniqueId, '1778746500.12')
  assert.equal(call.userField, name)
  assert.equal(call.recordingFile, name)
  assert.equal(call.recorded, true)
})

test('cdr_csv, 19 to 21 columns: newcdrcolumns adds peeraccount, linkedid, sequence', async () => {
  const newColumns = ['', '1778746500.11', 7]
  const {calls, problems} = (await csv(file(
    row([...base(), ...newColumns]),
    row([...base(), '1778746500.12', ...newColumns]),
    row([...base(), 'recorded', ...newColumns]),
    row([...base(), '1778746500.12', 'recorded', ...newColumns]),
  )))
  assert.deepEqual(problems, [])
  assert.deepEqual(calls.map((call) => [call.uniqueId, call.userField, call.linkedId]), [
    ['', undefined, '1778746500.11'],
    ['1778746500.12', undefined, '1778746500.11'],
    ['', 'recorded', '1778746500.11'],
    ['1778746500.12', 'recorded', '1778746500.11'],
  ])
})

test('an unanswered call: the answer field is empty and unquoted', async () => {
  const line = row([...base({answer: null, duration: 20, billSec: 0, disposition: 'NO ANSWER'}), '1778746500.12', ''])
  assert.match(line, /"2026-05-14 10:15:00",,"2026-05-14 10:17:04",20,0,"NO ANSWER"/)
  const [call] = (await csv(file(line))).calls
  assert.equal(call.answer, undefined)
  assert.equal(call.disposition, 'NO ANSWER')
  assert.equal(call.billSec, 0)
})

test('raw Latin-1 bytes in a caller name are read as Windows-1252; UTF-8 rows stay UTF-8', async () => {
  const latin1 = Buffer.from(row([...base({clid: '"René Dupont" <0612345678>'}), '1778746500.12', '']), 'latin1')
  assert.ok(latin1.includes(0xe9) && !latin1.includes(Buffer.from('é', 'utf8')))
  const {calls, problems} = (await csv(file(latin1, row([...base({clid: '"Zoë Martin" <0612345679>'}), '1778746500.13', '']))))
  assert.deepEqual(problems, [])
  assert.deepEqual(calls.map((call) => call.callerName), ['René Dupont', 'Zoë Martin'])
})

test('a uniqueid with a system-name prefix is kept as written; its bare form joins', async () => {
  const [call] = (await csv(file(row([...base(), 'pbx1-1778746500.12', ''])))).calls
  assert.equal(call.uniqueId, 'pbx1-1778746500.12')
  assert.equal(bareUniqueId(call.uniqueId), '1778746500.12')
  assert.equal(bareUniqueId('1778746500.12'), '1778746500.12')
  assert.equal(bareUniqueId('pbx-paris-1-1778746500.12'), '1778746500.12')
  assert.equal(bareUniqueId('a65c10fe-d2bb-497c-bf5c-152e775681ca'), 'a65c10fe-d2bb-497c-bf5c-152e775681ca')
  assert.deepEqual(parseUniqueId('pbx1-1778746500.12'), {bare: '1778746500.12', systemName: 'pbx1', epoch: 1778746500})
})

test('malformed rows become problems naming file:line; the other rows are read', async () => {
  const {calls, problems} = (await csv(file(
    row([...base(), '1778746500.1', '']),
    row([...base({start: '2026-02-30 10:00:00'}), '1778746500.2', '']),
    row([...base(), '1778746500.3', '']).replace('"ANSWERED"', '"ANSWERED"x'),
    row([...base({duration: Number.NaN})]).replace('NaN', 'abc'),
    row([...base(), '1778746500.5', '']),
    row(base().slice(0, 12)), // a row cut short between two fields
    row(base()).slice(0, 60), // and one cut inside a quoted field, when the disk filled up
  )))
  assert.deepEqual(calls.map((call) => call.ref), ['Master.csv:1', 'Master.csv:5'])
  assert.deepEqual(problems, [
    {ref: 'Master.csv:2', message: 'start: "2026-02-30 10:00:00" is not a date and time (YYYY-MM-DD HH:MM:SS)'},
    {ref: 'Master.csv:3', message: 'not a CSV row (Invalid Closing Quote)'},
    {ref: 'Master.csv:4', message: 'duration: "abc" is not a number of seconds'},
    {ref: 'Master.csv:6', message: '12 columns; cdr_csv writes 16 to 21'},
    {ref: 'Master.csv:7', message: 'not a CSV row (Quote Not Closed)'},
  ])
})

test('a line break inside a quoted field: refs name the line the row starts on', async () => {
  const {calls} = (await csv(file(row([...base({lastData: 'a\nb'}), '1778746500.1', '']), row([...base(), '1778746500.2', '']))))
  assert.deepEqual(calls.map((call) => [call.ref, call.uniqueId]), [['Master.csv:1', '1778746500.1'], ['Master.csv:3', '1778746500.2']])
})

test('times: local in the given zone, through both DST changes, or UTC', async () => {
  const at = async (start: string, timezone = PARIS) => (await csv(file(row(base({start}))), timezone)).calls[0]?.start
  assert.equal(await at('2026-01-15 10:15:00'), '2026-01-15T09:15:00.000Z') // CET, UTC+1
  assert.equal(await at('2026-07-15 10:15:00'), '2026-07-15T08:15:00.000Z') // CEST, UTC+2
  assert.equal(await at('2026-03-29 01:59:59'), '2026-03-29T00:59:59.000Z') // last second of CET
  assert.equal(await at('2026-03-29 03:00:00'), '2026-03-29T01:00:00.000Z') // first second of CEST
  assert.equal(await at('2026-10-25 01:59:59'), '2026-10-24T23:59:59.000Z')
  assert.equal(await at('2026-10-25 02:30:00'), '2026-10-25T01:30:00.000Z') // the repeated hour: the later instant
  assert.equal(await at('2026-10-25 03:00:00'), '2026-10-25T02:00:00.000Z')
  assert.equal(await at('2026-07-15 10:15:00', 'UTC'), '2026-07-15T10:15:00.000Z') // usegmtime=yes
  assert.equal(await at('2026-07-15 10:15:00', 'America/New_York'), '2026-07-15T14:15:00.000Z')
  assert.equal(wallClockToUtc('2026-07-15T10:15:00', PARIS), '2026-07-15T08:15:00.000Z')
  assert.equal(wallClockToUtc('2026-07-15 24:00:00', PARIS), undefined)
  assert.equal(wallClockToUtc('15/07/2026 10:15', PARIS), undefined)
})

test('wall-clock times convert as luxon does, and a repeated hour gives the later instant in every hemisphere', () => {
  const zones = ['Europe/Paris', 'UTC', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago', 'Africa/Casablanca']
  const two = (value: number) => String(value).padStart(2, '0')
  let compared = 0
  for (const zone of zones) {
    // every day of 2025-2026 at a varying minute, and every 10 minutes of the days clocks change
    const walls: string[] = []
    for (let day = Date.UTC(2025, 0, 1), i = 0; day < Date.UTC(2027, 0, 1); day += 86_400_000, i++) {
      const date = new Date(day).toISOString().slice(0, 10)
      const changes = DateTime.fromISO(`${date}T00:00`, {zone}).offset !== DateTime.fromISO(`${date}T23:59`, {zone}).offset
      const times = changes ? Array.from({length: 144}, (_, step) => `${two(Math.floor(step / 6))}:${two((step % 6) * 10)}:00`) : [`${two(i % 24)}:${two((i * 7) % 60)}:${two(i % 60)}`]
      for (const time of times) walls.push(`${date}T${time}`)
    }
    for (const wall of walls) {
      const mine = wallClockToUtc(wall, zone)!
      const [date, time] = wall.split('T')
      const [year, month, day] = date.split('-').map(Number)
      const [hour, minute, second] = time.split(':').map(Number)
      // the instants whose wall clock in the zone reads `wall`: one, two (a repeated hour) or none (a skipped one)
      const readings = [-1, 1].map((side) => DateTime.fromISO(wall, {zone: 'UTC'}).toMillis() - DateTime.fromISO(wall, {zone}).plus({days: side}).offset * 60_000)
      const exact = [...new Set(readings)].filter((ms) => DateTime.fromMillis(ms, {zone}).toFormat("yyyy-MM-dd'T'HH:mm:ss") === wall)
      if (exact.length === 2) assert.equal(mine, new Date(Math.max(...exact)).toISOString(), `${wall} ${zone}: the later instant`)
      else assert.equal(mine, DateTime.fromObject({year, month, day, hour, minute, second}, {zone}).toUTC().toISO(), `${wall} ${zone}`)
      compared++
    }
  }
  assert.ok(compared > 8_000, `${compared} comparisons`)
  assert.equal(wallClockToUtc('2026-04-05 02:30:00', 'Australia/Sydney'), '2026-04-04T16:30:00.000Z') // AEDT ends: AEST's 02:30
  assert.equal(wallClockToUtc('2026-02-30 10:00:00', PARIS), undefined)
  assert.equal(wallClockToUtc('2026-07-15 10:15:00', 'Mars/Olympus'), undefined)
})

test('agent: the destination channel\'s extension, else the calling channel\'s', async () => {
  const agent = async (channel: string, dstChannel: string) => (await csv(file(row(base({channel, dstChannel}))))).calls[0].agent
  assert.equal(await agent('PJSIP/ovh-0000001f', 'PJSIP/1001-0000002a'), '1001') // inbound
  assert.equal(await agent('SIP/trunk-00000a3a', 'SIP/1001-00000a3b'), '1001')
  assert.equal(await agent('PJSIP/ovh-0000001f', 'Local/1003@from-queue-0000;1'), '1003') // a queue member
  assert.equal(await agent('PJSIP/1002-00000021', 'PJSIP/ovh-00000022'), '1002') // outbound
  assert.equal(await agent('IAX2/1004-3421', ''), '1004')
  assert.equal(await agent('DAHDI/1-1', 'SIP/0140000000-0001'), undefined) // trunks only
})

test('recorded: a recording application, or a userfield that says so; otherwise the CDR cannot tell', async () => {
  const mixmonitor = row(base({lastApp: 'MixMonitor', lastData: '/var/spool/asterisk/monitor/2026/05/14/1778746500.12.wav,b'}))
  const calls = (await csv(file(
    mixmonitor,
    row([...base(), '1778746500.2', 'recorded']),
    row([...base(), '1778746500.3', 'not recorded']),
    row([...base(), '1778746500.4', 'audio=q-500-0612345678-20260514-101500-1778746500.4.WAV;agent=1001']),
    row([...base(), '1778746500.5', '']),
  ))).calls
  assert.deepEqual(calls.map((call) => [call.recorded, call.recordingFile]), [
    [true, '1778746500.12.wav'],
    [true, undefined],
    [undefined, undefined],
    [true, 'q-500-0612345678-20260514-101500-1778746500.4.WAV'],
    [undefined, undefined],
  ])
})

test('cdr_custom: the default mapping\'s order, quoted empty answer, fractional durations', async () => {
  const custom = (cells: Cell[]) => row(cells)
  const answered = custom(['"Jane Doe" <0612345678>', '0612345678', '0140000000', 'from-trunk', 'PJSIP/ovh-0000001f', 'PJSIP/1001-00000020', 'Dial', 'PJSIP/1001,20', '2026-05-14 10:15:00', '2026-05-14 10:15:04', '2026-05-14 10:17:04', '124.250000', '120.000000', 'ANSWERED', 'DOCUMENTATION', 'acme', 'pbx1-1778746500.12', 'recorded', 3])
  const missed = custom(['0612345679', '0612345679', '0140000000', 'from-trunk', 'PJSIP/ovh-00000021', '', 'Dial', 'PJSIP/1001,20', '2026-05-14 10:20:00', '', '2026-05-14 10:20:20', '20', '0', 'NO ANSWER', 'DOCUMENTATION', '', '1778746800.13', '', 4])
  assert.match(missed, /"2026-05-14 10:20:00","","2026-05-14 10:20:20"/)
  const {calls, problems} = await parseCdr(file(answered, missed, custom(['too', 'short'])), 'cdr-custom/Master.csv', 'asterisk-custom', PARIS)
  assert.deepEqual(problems, [{ref: 'cdr-custom/Master.csv:3', message: '2 columns; the default cdr_custom.conf mapping writes 19'}])
  assert.deepEqual(calls[0], {
    source: 'cdr-custom/Master.csv',
    ref: 'cdr-custom/Master.csv:1',
    uniqueId: 'pbx1-1778746500.12',
    linkedId: undefined,
    start: '2026-05-14T08:15:00.000Z',
    answer: '2026-05-14T08:15:04.000Z',
    end: '2026-05-14T08:17:04.000Z',
    src: '0612345678',
    dst: '0140000000',
    callerName: 'Jane Doe',
    channel: 'PJSIP/ovh-0000001f',
    dstChannel: 'PJSIP/1001-00000020',
    dcontext: 'from-trunk',
    disposition: 'ANSWERED',
    durationSec: 124.25,
    billSec: 120,
    accountCode: 'acme',
    dcontext: 'from-trunk',
    userField: 'recorded',
    agent: '1001',
    recorded: true,
    recordingFile: undefined,
  })
  assert.deepEqual([calls[1].answer, calls[1].callerName, calls[1].agent, calls[1].recorded], [undefined, undefined, undefined, undefined])
})

test('fixtures/archive/Master.csv: every row reads, recorded rows join the files, one is an orphan, one agent-day is systematic', async () => {
  const root = fileURLToPath(new URL('../../fixtures/archive/', import.meta.url))
  const {calls, problems} = await csv(readFileSync(join(root, 'Master.csv')))
  assert.deepEqual(problems, [])
  assert.equal(calls.length, 27)
  const keys = (readdirSync(root, {recursive: true}) as string[]).map((file) => file.split(sep).join('/'))
  const ids = new Set(keys.flatMap((key) => /(\d{10}\.\d+)\.\w+(?:\.age)?$/.exec(key)?.[1] ?? []))
  const missing = calls.filter((call) => call.recorded && !ids.has(bareUniqueId(call.uniqueId)))
  assert.deepEqual(missing.map((call) => call.recordingFile), ['in-0199000001-0639980014-20261012-143000-1791808200.114.wav'])
  assert.ok(calls.some((call) => call.uniqueId.startsWith('pbx1-')))
  assert.ok(calls.some((call) => call.callerName === 'René Lefèvre'))
  assert.ok(calls.some((call) => call.answer === undefined && call.disposition === 'NO ANSWER'))
  const day = (agent: string) => calls.filter((call) => call.agent === agent && call.answer?.startsWith('2026-10-06'))
  assert.deepEqual([day('1002').length, day('1002').filter((call) => call.recorded).length], [4, 4])
  assert.deepEqual([day('1001').length, day('1001').filter((call) => call.recorded).length], [4, 1])
})
