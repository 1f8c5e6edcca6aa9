// The probe's own words that findings carry in their data: why a file is unreadable or not a recording, what is
// wrong with a sidecar field or a CDR row, where a value came from. One catalogue, English and French; the probe
// writes the English text through `detail()` (JSON, CSV and the audit stay in English, as the rules' messages),
// and reports render it in the reader's language through `localizeDetail()`, which knows the text by its
// template. What a detail quotes (a file's value, a library's error, a path) is shown as it is; the French text says
// where a library's own (English) words are quoted.
import type {MessageData} from './model.js'
import type {Lang} from './report/register-labels.js'

/** Fills a template's {{placeholders}} from `data`. */
export function fillTemplate(template: string, data: MessageData = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in data ? String(data[name]) : whole))
}

export const DETAILS = {
  // audio (src/probe/audio.ts)
  emptyFile: {en: 'empty file (0 bytes)', fr: 'fichier vide (0 octet)'},
  timedOut: {en: 'gave up after {{ms}} ms: hostile or damaged file', fr: 'abandonné après {{ms}} ms : fichier hostile ou endommagé'},
  noAudioStream: {en: 'cut short or damaged: no audio stream in the {{container}} container', fr: 'tronqué ou endommagé : aucun flux audio dans le conteneur {{container}}'},
  unknownFormat: {en: 'not a recognised audio format', fr: 'format audio non reconnu'},
  endsInHeader: {en: 'cut short: the file ends inside its header', fr: 'tronqué : le fichier se termine dans son en-tête'},
  tooManyReads: {
    en: 'its header takes more than {{reads}} reads (a chain of empty or forged chunks): hostile or damaged file',
    fr: 'son en-tête demande plus de {{reads}} lectures (une chaîne de blocs vides ou forgés) : fichier hostile ou endommagé',
  },
  headerTooLarge: {
    en: "its header asks for {{bytes}} bytes, more than the {{mib}} MiB a recording's header may take: hostile or damaged file",
    fr: "son en-tête demande {{bytes}} octets, plus que les {{mib}} Mio permis à l'en-tête d'un enregistrement : fichier hostile ou endommagé",
  },
  wavCutShort: {en: 'cut short: the WAV header declares {{declared}} bytes, the file has {{size}}', fr: "tronqué : l'en-tête WAV annonce {{declared}} octets, le fichier en a {{size}}"},
  parseError: {en: 'cannot be parsed: {{error}}', fr: 'analyse impossible (erreur de la bibliothèque, citée telle quelle : « {{error}} »)'},
  // files and folders (src/probe/facts.ts, src/store/)
  cannotOpen: {en: 'cannot open ({{code}})', fr: "impossible d'ouvrir ({{code}})"},
  cannotRead: {en: 'cannot read ({{code}})', fr: 'impossible de lire ({{code}})'},
  cannotList: {en: 'cannot list folder ({{code}})', fr: 'impossible de lister le dossier ({{code}})'},
  symlinkMissing: {en: 'symlink to a missing target: not followed', fr: 'lien symbolique vers une cible absente : non suivi'},
  symlinkOutside: {en: 'symlink to {{target}}, outside the archive root: not followed', fr: "lien symbolique vers {{target}}, hors de la racine de l'archive : non suivi"},
  badObjectKey: {en: 'object key with an empty, "." or ".." part: not a key inside the archive, not read', fr: "clé d'objet avec une partie vide, « . » ou « .. » : pas une clé de l'archive, non lue"},
  vanished: {en: 'vanished during the scan', fr: 'disparu pendant le parcours'},
  unreadableContent: {en: 'no audio extension, and its content cannot be read ({{why}})', fr: 'pas d\'extension audio, et son contenu ne peut être lu ({{why}})'},
  noAudio: {en: 'neither an audio extension nor audio content', fr: 'ni extension audio, ni contenu audio'},
  archivedNotRecording: {en: 'no audio extension, and its content is in storage class {{storageClass}}: not read', fr: "pas d'extension audio, et son contenu est dans la classe de stockage {{storageClass}} : non lu"},
  cannotReadObjectTags: {en: "cannot read the object's tags ({{code}})", fr: "impossible de lire les étiquettes de l'objet ({{code}})"},
  encryptedNotRecording: {en: 'encrypted, and its inner name is not that of a recording', fr: "chiffré, et son nom intérieur n'est pas celui d'un enregistrement"},
  // sidecars and tags (src/probe/facts.ts, src/probe/fields.ts)
  sidecarTooLarge: {en: '{{size}} bytes, more than the {{mib}} MiB a sidecar may have: not read', fr: "{{size}} octets, plus que les {{mib}} Mio permis à un sidecar : non lu"},
  notJson: {en: 'not valid JSON ({{error}})', fr: 'JSON invalide (erreur de l\'analyseur, citée telle quelle : « {{error}} »)'},
  notJsonObject: {en: 'not a JSON object', fr: "pas un objet JSON"},
  unknownField: {en: '{{field}}: not a field callrec knows; not used', fr: '{{field}} : champ inconnu de callrec, non utilisé'},
  wrongType: {en: '{{field}}: expected {{expected}}, got {{got}}', fr: '{{field}} : {{expected}} attendu, {{got}} trouvé'},
  notIsoDateTime: {en: '{{field}}: not an ISO 8601 date-time with an offset (e.g. 2026-05-14T10:32:00+02:00)', fr: '{{field}} : pas une date-heure ISO 8601 avec décalage (par ex. 2026-05-14T10:32:00+02:00)'},
  notIsoDate: {en: '{{field}}: not an ISO 8601 date', fr: '{{field}} : pas une date ISO 8601'},
  emptyValue: {en: '{{field}}: empty', fr: '{{field}} : vide'},
  notOneOf: {en: '{{field}}: not one of {{options}}', fr: "{{field}} : n'est pas l'une des valeurs {{options}}"},
  unknownKeys: {en: '{{field}}: unknown field {{keys}}', fr: '{{field}} : champ inconnu {{keys}}'},
  badValue: {en: '{{field}}: invalid value ({{issue}})', fr: '{{field}} : valeur invalide (message du validateur, cité tel quel : « {{issue}} »)'},
  // CDR rows (src/probe/cdr/)
  notCsvRow: {en: 'not a CSV row ({{error}})', fr: 'pas une ligne CSV (erreur de l\'analyseur, citée telle quelle : « {{error}} »)'},
  cdrColumns: {en: '{{count}} columns; cdr_csv writes 16 to 21', fr: '{{count}} colonnes ; cdr_csv en écrit de 16 à 21'},
  cdrNotDate: {en: '{{column}}: "{{text}}" is not a date and time (YYYY-MM-DD HH:MM:SS)', fr: '{{column}} : « {{text}} » n\'est pas une date et heure (AAAA-MM-JJ HH:MM:SS)'},
  cdrNotSeconds: {en: '{{column}}: "{{text}}" is not a number of seconds', fr: "{{column}} : « {{text}} » n'est pas un nombre de secondes"},
  // where a value came from (src/rules/types.ts origin)
  fromSidecar: {en: 'sidecar', fr: 'sidecar'},
  fromTag: {en: 'tag {{ref}}', fr: 'tag {{ref}}'},
  fromCdr: {en: 'CDR {{ref}}', fr: 'CDR {{ref}}'},
  fromFilename: {en: 'file name, {{pattern}}', fr: 'nom de fichier, {{pattern}}'},
  fromMtime: {en: 'file modification time', fr: 'date de modification du fichier'},
  fromDefaults: {en: "the policy's defaults.{{field}}", fr: 'defaults.{{field}} de la politique'},
  fromClassify: {en: 'policy rule {{rule}}', fr: 'règle de la politique {{rule}}'},
  fromHolds: {en: 'holds file {{ref}}', fr: 'fichier des gels {{ref}}'},
  fromObjectMetadata: {en: 'S3 metadata {{ref}}', fr: 'métadonnée S3 {{ref}}'},
  fromObjectTags: {en: 'S3 object tag {{ref}}', fr: "étiquette d'objet S3 {{ref}}"},
  fromObjectLock: {en: 'S3 Object Lock {{ref}}', fr: 'verrouillage objet S3 {{ref}}'},
} as const satisfies Record<string, Record<Lang, string>>

export type DetailId = keyof typeof DETAILS

/** The English text of a detail, as the probe stores it. */
export function detail(id: DetailId, data: Record<string, string | number> = {}): string {
  return fillTemplate(DETAILS[id].en, data)
}

// Each English template as a pattern: its text, and a lazy group for each placeholder. Longest first, so a
// template that another one's placeholder could swallow is tried before it.
const PATTERNS = (Object.keys(DETAILS) as DetailId[])
  .map((id) => {
    const names: string[] = []
    const source = DETAILS[id].en
      .split(/(\{\{\w+\}\})/)
      .map((part) => {
        const hole = /^\{\{(\w+)\}\}$/.exec(part)
        if (!hole) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        names.push(hole[1])
        return '([\\s\\S]*?)'
      })
      .join('')
    return {id, names, pattern: new RegExp(`^${source}$`), length: DETAILS[id].en.length}
  })
  .sort((a, b) => b.length - a.length)

/** A detail's text in `lang`: the English text the probe wrote, recognised by its template; anything else as it is. */
export function localizeDetail(text: string, lang: Lang): string {
  if (lang === 'en') return text
  for (const {id, names, pattern} of PATTERNS) {
    const match = pattern.exec(text)
    if (match) return fillTemplate(DETAILS[id][lang], Object.fromEntries(names.map((name, index) => [name, match[index + 1]])))
  }
  return text
}
