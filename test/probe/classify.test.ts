import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parsePolicy} from '../../src/policy/load.js'
import type {CdrIndex} from '../../src/probe/cdr-index.js'
import {memoryCdr} from './memory-cdr.ts'
import type {RecordingFacts} from '../../src/probe/facts.js'
import {buildRecording} from '../../src/probe/scan.js'
import {callrec, callrecJson, makeArchive, NOW, wav} from '../helpers.js'

const PURPOSES = `purposes:
  quality: {retention: 6 months}
  proof-of-contract: {retention: 2 years, reference: "Code de la consommation L.221-16"}
`
const CLASSIFY = `${PURPOSES}defaults: {purpose: quality}
classify:
  - name: sales line
    match: {callee: ["0140000001", "0140000002"]}
    set: {purpose: proof-of-contract, noticePlayed: true}
  - match: {type: "q-*"}
    set: {purpose: quality, noticePlayed: true, agent: 9999}
  - match: {dcontext: from-trunk-vip, accountcode: "VIP*"}
    set: {direction: inbound, purpose: quality}
  - match: {direction: outbound}
    set: {noticePlayed: false}
`
const EPOCH = 1778746500
const cdrIndex = memoryCdr
const NO_CDR = cdrIndex([])

function fieldsOf(key: string, options: {policy?: string; sidecar?: RecordingFacts['sidecar']; cdr?: CdrIndex} = {}) {
  const policy = parsePolicy(options.policy ?? CLASSIFY, 'callrec.yml')
  const facts: RecordingFacts = {key, size: 100, modifiedAt: '2026-06-01T00:00:00.000Z', encrypted: false, problems: [], ...(options.sidecar ? {sidecar: options.sidecar} : {})}
  return buildRecording(facts, policy, options.cdr ?? NO_CDR).fields
}
const show = (field: {value: unknown; source: string; ref: string} | undefined) => field && `${field.value} (${field.source}: ${field.ref})`

test('the first rule that matches sets each field, naming itself; later rules fill what earlier ones left', () => {
  const sales = fieldsOf(`in-0140000002-0612345678-20260514-101500-${EPOCH}.1.wav`)
  assert.equal(show(sales.purpose), 'proof-of-contract (policy: classify "sales line")')
  assert.equal(show(sales.noticePlayed), 'true (policy: classify "sales line")')
  const queue = fieldsOf(`q-500-0612345678-20260514-101500-${EPOCH}.2.wav`)
  assert.equal(show(queue.purpose), 'quality (policy: classify[1])')
  assert.equal(show(queue.agent), '9999 (policy: classify[1])')
  // The name says the direction and the agent: a classify rule does not overrule the recording's own facts.
  const outbound = fieldsOf(`out-0612345678-1001-20260514-101500-${EPOCH}.3.wav`)
  assert.equal(show(outbound.agent), '1001 (filename: filename:freepbx)')
  assert.equal(show(outbound.noticePlayed), 'false (policy: classify[3])')
  assert.equal(show(outbound.purpose), 'quality (policy: policy defaults.purpose)')
})

test('classify is below sidecar and tags, above defaults; a rule sees what earlier rules set', () => {
  const key = `in-0140000001-0612345678-20260514-101500-${EPOCH}.4.wav`
  const fields = fieldsOf(key, {sidecar: {key: 'x.json', fields: {purpose: 'quality'}}})
  assert.equal(show(fields.purpose), 'quality (sidecar: x.json)')
  assert.equal(show(fields.noticePlayed), 'true (policy: classify "sales line")')
  const chained = `${PURPOSES}classify:
  - match: {key: "outgoing/**"}
    set: {direction: outbound}
  - name: outbound calls
    match: {direction: outbound}
    set: {purpose: proof-of-contract}
`
  const outgoing = fieldsOf('outgoing/2026/call.wav', {policy: chained})
  assert.equal(show(outgoing.direction), 'outbound (policy: classify[0])')
  assert.equal(show(outgoing.purpose), 'proof-of-contract (policy: classify "outbound calls")')
  assert.equal(fieldsOf('incoming/2026/call.wav', {policy: chained}).purpose, undefined)
  assert.equal(fieldsOf('outgoing/2026/call.wav.age', {policy: chained}).direction?.value, 'outbound', 'an encrypted copy is classified like its plaintext')
})

test('CDR fields: dcontext, accountcode, userfield (globs, case-insensitive), every condition must hold', () => {
  const key = `${EPOCH}.5.wav`
  const vip = cdrIndex([{uniqueId: `${EPOCH}.5`, dcontext: 'from-trunk-vip', accountCode: 'vip-gold'}])
  assert.equal(show(fieldsOf(key, {cdr: vip}).direction), 'inbound (policy: classify[2])')
  const other = cdrIndex([{uniqueId: `${EPOCH}.5`, dcontext: 'from-trunk-vip', accountCode: 'STANDARD'}])
  assert.equal(fieldsOf(key, {cdr: other}).direction, undefined)
  const userfield = `${PURPOSES}classify: [{match: {userfield: "*contract*"}, set: {purpose: proof-of-contract}}]\n`
  assert.equal(fieldsOf(key, {policy: userfield, cdr: cdrIndex([{uniqueId: `${EPOCH}.5`, userField: 'recorded;contract=42'}])}).purpose?.value, 'proof-of-contract')
})

test('a classify rule is checked at load: unknown purpose, unknown condition, nothing to set', () => {
  assert.throws(() => parsePolicy(`${PURPOSES}classify:\n  - match: {queue: 500}\n    set: {purpose: marketing}\n`, 'p.yml'), /^CallrecError: p\.yml:6: classify\.0\.set\.purpose: "marketing" is not one of the purposes \(quality, proof-of-contract\)$/)
  assert.throws(() => parsePolicy(`classify:\n  - match: {did: "0140000001"}\n    set: {noticePlayed: true}\n`, 'p.yml'), /p\.yml:2: classify\.0\.match\.did: Unrecognized key/)
  assert.throws(() => parsePolicy(`classify:\n  - match: {queue: 500}\n    set: {}\n`, 'p.yml'), /p\.yml:3: classify\.0\.set: sets nothing/)
})

test('audit --explain names the classify rule that set a field, and the template that read the name', async () => {
  const name = '202401281134_89085951008-0140000001_1706412883.78.wav'
  const archive = makeArchive({
    [`spool/${name}`]: wav(0.05),
    'callrec.yml': `timezone: Europe/Moscow\nfilenames: ["{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}"]\n${CLASSIFY}`,
  })
  try {
    const result = await callrec(['audit', archive.dir, '--now', NOW, '--explain', `spool/${name}`])
    assert.match(result.stdout, /^ {2}purpose +proof-of-contract +policy: classify "sales line"$/m)
    assert.match(result.stdout, /^ {2}noticePlayed +true +policy: classify "sales line"$/m)
    assert.match(result.stdout, /^ {2}recordedAt +2024-01-28T08:34:00\.000Z +filename:filenames\[0\] "\{start:%Y%m%d%H%M\}_\{caller\}-\{callee\}_\{uniqueid\}\.\{ext\}"$/m)
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW, '--explain', `spool/${name}`])
    assert.equal(json.recording.fields.purpose.ref, 'classify "sales line"')
  } finally {
    archive.cleanup()
  }
})
