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

type Words = {legalBasis: string; reference: string}
const INTEREST = {fr: 'Intérêt légitime (RGPD art. 6.1.f)', en: 'Legitimate interest (GDPR art. 6(1)(f))'}
const OBLIGATION = {fr: 'Obligation légale (RGPD art. 6.1.c)', en: 'Legal obligation (GDPR art. 6(1)(c))'}
const CNIL_CALLS = {fr: 'CNIL, écoute et enregistrement des appels : 6 mois maximum', en: 'CNIL, listening to and recording calls: 6 months at most'}
const both = (legalBasis: Record<'fr' | 'en', string>, reference: Record<'fr' | 'en', string>): Record<'fr' | 'en', Words> => ({
  fr: {legalBasis: legalBasis.fr, reference: reference.fr},
  en: {legalBasis: legalBasis.en, reference: reference.en},
})

/**
 * The words callrec writes for each purpose it offers, in French and English: the legal basis the CNIL names (the
 * employer's legitimate interest for training and evaluation, a legal obligation where a law imposes the recording:
 * a suggestion for the DPO to confirm) and the text behind the retention. `init --lang` writes them; the register
 * of an archive without a policy shows them in its language.
 */
export const DEFAULT_WORDS: Record<keyof typeof CNIL_PURPOSES | keyof typeof REGULATORY_PURPOSES, Record<'fr' | 'en', Words>> = {
  training: both(INTEREST, CNIL_CALLS),
  evaluation: both(INTEREST, CNIL_CALLS),
  quality: both(INTEREST, CNIL_CALLS),
  analysis: both(INTEREST, {fr: "CNIL : documents d'analyse, 1 an maximum", en: 'CNIL: analysis documents, 1 year at most'}),
  'mifid-ii': both(OBLIGATION, {fr: REGULATORY_PURPOSES['mifid-ii'].reference, en: 'Commission Delegated Regulation (EU) 2017/565 art. 76; AMF General Regulation 312-39'}),
  'insurance-contract': both(OBLIGATION, {fr: REGULATORY_PURPOSES['insurance-contract'].reference, en: 'French Insurance Code L.112-2-2, R.112-7'}),
}
