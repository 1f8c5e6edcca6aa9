// CNIL defaults (see shared LEGAL.md): applied when the archive has no policy, and offered by `callrec init`.
export const CNIL_PURPOSES = {
  training: {retention: '6 months', reference: 'CNIL, écoute et enregistrement des appels: 6 mois maximum'},
  evaluation: {retention: '6 months', reference: 'CNIL, écoute et enregistrement des appels: 6 mois maximum'},
  quality: {retention: '6 months', reference: 'CNIL, écoute et enregistrement des appels: 6 mois maximum'},
  analysis: {retention: '12 months', reference: "CNIL: documents d'analyse, 1 an maximum"},
} as const

/** Purposes with a legal retention, which `init` offers but which are not assumed without a policy. */
export const REGULATORY_PURPOSES = {
  'mifid-ii': {retention: '5 years', reference: 'Règlement délégué (UE) 2017/565 art. 76; AMF RG 312-39'},
  'insurance-contract': {retention: '2 years', reference: 'Code des assurances L.112-2-2, R.112-7'},
} as const
