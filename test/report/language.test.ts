// Every report in French and in English, from one catalogue: each is rendered in both languages, and a string
// of the other language's catalogue (rule descriptions and messages, severities, labels, the values callrec
// writes) appearing in it fails the test. Policy values the user wrote are shown as written, so they are not checked.
import assert from 'node:assert/strict'
import {readFileSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {before, describe, test} from 'node:test'
import {RULES} from '../../src/rules/index.js'
import {FR} from '../../src/rules/messages-fr.js'
import {severityName} from '../../src/rules/text.js'
import {COMPLIANCE_LABELS} from '../../src/report/compliance-labels.js'
import {REGISTER_LABELS, type Lang} from '../../src/report/register-labels.js'
import {DEFAULT_WORDS} from '../../src/policy/defaults.js'
import {DETAILS} from '../../src/details.js'
import {callrec, makeArchive, NOW, ROOT, wav} from '../helpers.ts'

const EXAMPLE = path.join(ROOT, 'fixtures', 'archive')
const HOLE = '\u0001'

/** Every text leaf of a catalogue; a function is called with placeholders and cut at them. */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\{\{\w+\}\}/)
  if (typeof value === 'function') return leaves(String(value(...Array.from({length: value.length}, () => HOLE))).split(HOLE).join('{{x}}'))
  if (Array.isArray(value)) return value.flatMap(leaves)
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves)
  return []
}

function catalogue(lang: Lang): string[] {
  const rules = RULES.flatMap((rule) => (lang === 'fr' ? leaves(FR[rule.meta.id]) : leaves({description: rule.meta.description, messages: rule.meta.messages})))
  const severities = (['error', 'warning', 'info'] as const).map((severity) => severityName(severity, lang))
  const written = leaves(Object.values(DEFAULT_WORDS).map((words) => words[lang]))
  const details = leaves(Object.values(DETAILS).map((text) => text[lang]))
  return [...rules, ...severities, ...leaves(COMPLIANCE_LABELS[lang]), ...leaves(REGISTER_LABELS[lang]), ...written, ...details]
}

/** The fragments of `lang`'s catalogue that are long enough to be words of that language, and not also in the other one. */
function telltales(lang: Lang): string[] {
  const other = new Set(catalogue(lang === 'fr' ? 'en' : 'fr').map((text) => text.trim()))
  return [...new Set(catalogue(lang).map((text) => text.trim()))].filter((text) => text.length >= 9 && /\p{L}{4}/u.test(text) && !other.has(text))
}

/** The text a reader sees: tags dropped, entities and Markdown escapes undone. */
function visible(page: string): string {
  return page
    .replace(/<style>.*?<\/style>/s, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\`*_[\]<>#|~])/g, '$1')
}

describe('reports speak one language', () => {
  // The example archive trips every rule; its policy was written in French by a person, so its values are French
  // in both reports, as written. A second archive with no policy has only what callrec writes.
  const bare = makeArchive({'a.wav': readFileSync(path.join(EXAMPLE, 'asterisk/pbx1-1794322800.130.wav'))})
  // A third archive for the probe's own words (src/details.ts): a file cut short, one that is not audio, invalid
  // and broken sidecars, an orphan sidecar, unreadable CDR rows, a symlink out of the root, a document, and dates
  // and facts from the CDR, the file name and the policy's defaults.
  const cut = wav(0.05)
  cut.writeUInt32LE(cut.length * 4, 4)
  const row = (fields: string[]) => fields.map((field) => `"${field}"`).join(',')
  const details = makeArchive({
    'callrec.yml': 'country: FR\ntimezone: Europe/Paris\ndefaults: {purpose: quality, noticePlayed: false}\ncdr:\n  - {path: Master.csv, format: asterisk-csv}\nsystematic: {maxShare: 0.5, minCalls: 1}\n',
    'Master.csv': [
      row(['', '0612345678', '1001', 'from-trunk', '<0612345678>', 'PJSIP/ovh-1', 'PJSIP/1001-1', 'Dial', '', '2025-01-10 09:30:00', '2025-01-10 09:30:04', '2025-01-10 09:31:00', '60', '56', 'ANSWERED', 'DOCUMENTATION', '1736497800.17', 'call-1736497800.17.wav']),
      row(['', '0612345679', '1001', 'from-trunk', '<0612345679>', 'PJSIP/ovh-2', 'PJSIP/1001-2', 'Dial', '', 'yesterday', '', '', '60', '56', 'ANSWERED', 'DOCUMENTATION', '1736497900.18', 'gone.wav']),
      row(['', '0612345670', '1001']),
      row(['', '0612345671', '1001', 'from-trunk', '<0612345671>', 'PJSIP/ovh-3', 'PJSIP/1001-3', 'Dial', '', '2025-01-11 09:30:00', '2025-01-11 09:30:04', '2025-01-11 09:31:00', '60', '56', 'ANSWERED', 'DOCUMENTATION', '1736584200.19', 'missing-1736584200.19.wav']),
    ].join('\n') + '\n',
    'call-1736497800.17.wav': wav(0.05),
    'monitor/2025/01/10/in-1001-0622334455-20250110-100000-1736499600.20.wav': wav(0.05),
    'cut.wav': cut,
    'noise.wav': 'not audio at all, '.repeat(40),
    'bad.wav': wav(0.05),
    'bad.json': {noticePlayed: 'yes', recordedAt: 'yesterday', colour: 'blue'},
    'odd.wav': wav(0.05),
    'odd.json': {direction: 'sideways', agent: '', legalHold: {reason: 'x', by: 'me'}},
    'broken.wav': wav(0.05),
    'broken.json': '{not json',
    'orphan.json': {purpose: 'quality'},
    'docs/readme.txt': 'notes',
  })
  symlinkSync('/etc/hostname', path.join(details.dir, 'link.wav'))
  const reports: Record<string, Record<Lang, string>> = {}
  before(async () => {
    for (const lang of ['fr', 'en'] as const) {
      const render = async (args: string[]) => {
        const result = await callrec([...args, '--now', NOW, '--lang', lang])
        assert.ok(result.code <= 1, result.stderr)
        return visible(result.stdout)
      }
      for (const [name, args] of Object.entries({
        'compliance html (example)': ['report', 'compliance', EXAMPLE, '--format', 'html'],
        'compliance csv (example)': ['report', 'compliance', EXAMPLE, '--format', 'csv'],
        'register md (example)': ['report', 'register', EXAMPLE, '--format', 'md'],
        'register html (example)': ['report', 'register', EXAMPLE, '--format', 'html'],
        'compliance html (no policy)': ['report', 'compliance', bare.dir, '--format', 'html'],
        'register md (no policy)': ['report', 'register', bare.dir, '--format', 'md'],
        'compliance html (details)': ['report', 'compliance', details.dir, '--format', 'html'],
        'compliance csv (details)': ['report', 'compliance', details.dir, '--format', 'csv'],
        'compliance json (details)': ['report', 'compliance', details.dir, '--format', 'json'],
        'register html (details)': ['report', 'register', details.dir, '--format', 'html'],
      })) {
        reports[name] ??= {} as Record<Lang, string>
        // A CSV's header names columns for scripts (rule ids, `encrypted`): identifiers, like the rule ids.
        const text = await render(args)
        // A JSON report's field names are identifiers too: its string values are what a reader sees.
        reports[name][lang] = name.includes('csv') ? text.slice(text.indexOf('\n') + 1) : name.includes('json') ? leaves(JSON.parse(text)).join('\n') : text
      }
    }
    bare.cleanup()
    details.cleanup()
  })

  test('every rule has a French description and every message id of its English meta, with the same placeholders', () => {
    for (const rule of RULES) {
      const fr = FR[rule.meta.id]
      assert.ok(fr, `${rule.meta.id}: no French entry in src/rules/messages-fr.ts`)
      assert.ok(fr.description.length > 0)
      assert.deepEqual(Object.keys(fr.messages).sort(), Object.keys(rule.meta.messages).sort(), rule.meta.id)
      for (const [id, template] of Object.entries(rule.meta.messages)) {
        const holes = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort()
        assert.deepEqual(holes(fr.messages[id]), holes(template), `${rule.meta.id}.${id}`)
      }
    }
  })

  for (const lang of ['fr', 'en'] as const) {
    test(`the ${lang === 'fr' ? 'French' : 'English'} reports hold no string of the ${lang === 'fr' ? 'English' : 'French'} catalogue`, () => {
      const foreign = telltales(lang === 'fr' ? 'en' : 'fr')
      assert.ok(foreign.length > 100, 'the check has words to look for')
      for (const [name, texts] of Object.entries(reports)) {
        // As a word: `encrypted` inside the rule id `not-encrypted`, or `Recordings` inside a key, is not English text.
        const found = foreign.filter((text) => new RegExp(`(?<![\\p{L}-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}-])`, 'u').test(texts[lang]))
        assert.deepEqual(found, [], `${name} in ${lang}`)
      }
    })
  }

  test('each report does show its own language: descriptions, severities and messages rendered', () => {
    assert.match(reports['compliance html (example)'].fr, /avertissement/)
    assert.match(reports['compliance html (example)'].fr, /Conservé au-delà de la durée de sa finalité/)
    assert.match(reports['compliance html (example)'].en, /Kept past the retention of its purpose/)
    assert.match(reports['compliance csv (example)'].fr, /sidecar sans enregistrement à côté/)
    assert.match(reports['register md (no policy)'].fr, /valeurs par défaut de la CNIL/)
    // The probe's words, in French: every kind of detail the third archive trips.
    const fr = reports['compliance html (details)'].fr
    for (const text of [
      "tronqué : l'en-tête WAV annonce",
      'format audio non reconnu',
      'noticePlayed : boolean attendu, "yes" trouvé',
      'recordedAt : pas une date-heure ISO 8601 avec décalage',
      'colour : champ inconnu de callrec',
      'direction : n\'est pas l\'une des valeurs "inbound", "outbound", "internal"',
      'agent : vide',
      'legalHold : champ inconnu by',
      'JSON invalide (erreur de l',
      'citée telle quelle : « ',
      'sidecar sans enregistrement',
      'start : « yesterday » n\'est pas une date et heure',
      '3 colonnes ; cdr_csv en écrit de 16 à 21',
      'aucun enregistrement n\'a été trouvé',
      "hors de la racine de l'archive : non suivi",
      'ni extension audio, ni contenu audio',
      'nom de fichier, freepbx',
      'CDR Master.csv:1',
      'defaults.noticePlayed de la politique',
      'appels décrochés enregistrés',
    ]) assert.ok(fr.includes(text), `French compliance report: ${text}`)
    assert.match(reports['compliance html (details)'].en, /cut short: the WAV header declares/)
    assert.match(reports['compliance json (details)'].fr, /lien symbolique vers \/etc\/hostname, hors de la racine/)
  })
})
