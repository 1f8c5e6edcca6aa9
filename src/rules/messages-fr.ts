// The rules in French: description and every message id of each rule's meta (English there), same placeholders.
// A new rule adds its entry here; test/rules/messages.test.ts fails until every rule has one.
import type {RuleText} from './text.js'

export const FR: Record<string, RuleText> = {
  'retention-expired': {
    description: "Conservé au-delà de la durée de sa finalité, comptée depuis la date de l'appel (jamais sous gel juridique)",
    messages: {expired: 'enregistré le {{date}} ({{origin}}), finalité {{purpose}} : durée de conservation de {{duration}} échue le {{end}}'},
  },
  'retention-due-soon': {
    description: 'Atteint la fin de sa durée de conservation dans la fenêtre dueSoon de la politique',
    messages: {dueSoon: 'enregistré le {{date}} ({{origin}}), finalité {{purpose}} : durée de conservation de {{duration}} échue le {{end}}, bientôt'},
  },
  'retention-held': {
    description: 'Durée de conservation dépassée, mais gardé sous gel juridique',
    messages: {
      held: 'enregistré le {{date}} ({{origin}}) : conservation échue le {{end}}, gardé sous gel juridique ({{reason}})',
      heldUntil: "enregistré le {{date}} ({{origin}}) : conservation échue le {{end}}, gardé sous gel juridique ({{reason}} jusqu'au {{until}})",
    },
  },
  'caller-objected': {
    description: "L'appelant s'est opposé à l'enregistrement : il ne devrait pas exister",
    messages: {objected: "l'appelant s'est opposé ({{origin}}) : l'enregistrement doit être supprimé"},
  },
  'consent-missing': {
    description: "Aucune trace que l'appelant a été informé de l'enregistrement et de son droit de s'y opposer",
    messages: {
      notInformed: "l'appelant n'a pas été informé (noticePlayed : false, {{origin}})",
      unknown: "on ignore si l'appelant a été informé : aucune source ne donne noticePlayed",
    },
  },
  'purpose-missing': {
    description: "Pas de finalité, ou une finalité que la politique ne définit pas : « au cas où » n'est pas une finalité",
    messages: {
      none: 'aucune finalité dans aucune source (sidecar, tags, règles classify:, valeurs par défaut de la politique)',
      undefined: "la finalité « {{purpose}} » ({{origin}}) n'est pas définie dans la politique ({{defined}})",
    },
  },
  'not-encrypted': {
    description: 'Stocké en clair alors que la politique exige le chiffrement au repos (age)',
    messages: {clear: 'stocké en clair : lancer `callrec encrypt`'},
  },
  unreadable: {
    description: "Illisible comme audio (endommagé, tronqué, pas de l'audio, trop lent à analyser) ou non suivi (lien symbolique hors de l'archive)",
    messages: {unreadable: 'illisible : {{reason}}'},
  },
  'date-from-mtime': {
    description: "Aucune date d'appel dans aucune source : la conservation est comptée depuis la date de modification du fichier, qu'une copie remet à zéro",
    messages: {mtime: "aucune date d'appel dans le sidecar, les tags, le CDR ou le nom du fichier : conservation comptée depuis la date de modification du fichier, {{mtime}}"},
  },
  'invalid-sidecar': {
    description: "Une valeur de sidecar ou de tag invalide (champ nommé) ; les champs inconnus sont signalés, pas conservés",
    messages: {invalid: '{{source}} : valeur invalide : {{problem}}', unknownField: '{{source}} : {{field}} : champ inconnu de callrec, non utilisé'},
  },
  'orphan-sidecar': {
    description: "Un sidecar dont l'enregistrement manque : des données personnelles gardées sans l'enregistrement qu'elles décrivent",
    messages: {orphan: 'sidecar sans enregistrement à côté'},
  },
  'orphan-cdr': {
    description: "Une ligne du CDR dit que l'appel a été enregistré, mais son enregistrement n'est pas dans l'archive",
    messages: {
      missing: "l'appel {{call}} du {{start}} est marqué enregistré, mais aucun enregistrement n'a été trouvé",
      missingFile: "l'appel {{call}} du {{start}} est marqué enregistré ({{file}}), mais aucun enregistrement n'a été trouvé",
    },
  },
  'invalid-cdr': {
    description: "Une ligne du CDR illisible ; l'audit utilise les autres lignes",
    messages: {invalid: 'ligne illisible : {{problem}}'},
  },
  'systematic-recording': {
    description: "Part des appels décrochés d'un agent enregistrés dans une journée au-delà de systematic.maxShare (CNIL : un échantillon, pas un enregistrement systématique)",
    messages: {share: 'agent {{agent}} le {{day}} : {{recorded}} appels décrochés enregistrés sur {{answered}} ({{share}} % > {{max}} %)'},
  },
  'legal-hold-expired': {
    description: 'Un gel juridique dont la date de fin est passée : le lever ou le prolonger',
    messages: {ended: 'gel juridique « {{reason}} » échu le {{until}} ({{origin}})'},
  },
  'empty-recording': {
    description: "Audio sans aucun échantillon (WAV réduit à son en-tête, durée nulle, 0 octet) : inutile, mais son nom et sa ligne de CDR sont des données personnelles",
    messages: {
      noBytes: 'aucun échantillon audio (0 octet) : `purge --rule empty-recording` le supprime',
      noSamples: 'aucun échantillon audio ({{container}} de {{size}} octets, durée nulle) : `purge --rule empty-recording` le supprime',
    },
  },
  'not-a-recording': {
    description: "Un fichier qui n'est pas un enregistrement (ni extension audio, ni contenu audio) : signalé, jamais purgé ni chiffré",
    messages: {notRecording: "pas un enregistrement ({{reason}}) : laissé tel quel"},
  },
  'nested-archive': {
    description: 'Un dossier avec son propre callrec.yml : une autre archive, ignorée (auditer, purger et chiffrer à part)',
    messages: {nested: 'une autre archive (son propre callrec.yml) : ignorée ; lancer callrec dessus'},
  },
  'archived-not-read': {
    description: "Dans une classe de stockage d'archive S3 : son en-tête audio n'a pas été lu",
    messages: {archived: "dans la classe de stockage {{storageClass}} : en-tête audio non lu (aucune restauration demandée) ; verdicts tirés de son nom, de son sidecar, du CDR et des métadonnées"},
  },
  'noncurrent-version': {
    description: "Anciennes versions S3, ou données derrière un marqueur de suppression, encore stockées au-delà de la durée de conservation",
    messages: {
      deleteMarked: 'supprimé par un marqueur de suppression, mais ses données sont encore stockées : enregistré le {{date}} ({{origin}}), durée de conservation de {{duration}} échue le {{end}} (purge supprime toutes les versions)',
      noncurrent: '{{versions}} ancienne(s) version(s) encore stockée(s) : enregistré le {{date}} ({{origin}}), durée de conservation de {{duration}} échue le {{end}} (purge supprime toutes les versions)',
      both: 'supprimé par un marqueur de suppression, mais ses données sont encore stockées ; {{versions}} ancienne(s) version(s) encore stockée(s) : enregistré le {{date}} ({{origin}}), durée de conservation de {{duration}} échue le {{end}} (purge supprime toutes les versions)',
    },
  },
  'lock-outlasts-retention': {
    description: 'Le verrouillage objet S3 (Object Lock) garde un enregistrement dont la durée de conservation est échue : S3 refuserait sa suppression',
    messages: {
      legalHold: 'enregistré le {{date}} ({{origin}}) : durée de conservation de {{duration}} échue le {{end}}, mais un gel juridique Object Lock le garde : S3 refuserait sa suppression',
      retention: "enregistré le {{date}} ({{origin}}) : durée de conservation de {{duration}} échue le {{end}}, mais une rétention Object Lock {{mode}} jusqu'au {{until}} le garde : S3 refuserait sa suppression",
    },
  },
}
