// Policies for the report tests: one that gives every register fact, and helpers to drop some.
export const FULL_POLICY = `
controller:
  name: ACME Assurances
  address: 1 rue de la Paix, 75002 Paris
  email: contact@acme.example
dpo:
  name: Jeanne Martin
  email: dpo@acme.example
purposes:
  quality:
    retention: 6 months
    legalBasis: intérêt légitime (art. 6.1.f)
    description: Formation et évaluation des conseillers
  insurance-contract:
    retention: 2 years
    legalBasis: obligation légale (art. 6.1.c)
    reference: Code des assurances L.112-2-2
register:
  createdOn: 2025-01-15
  updatedOn: 2026-03-01
  software: FreePBX 16 (Asterisk 18)
  dataSubjects: [Conseillers, Évaluateurs, Appelants (clients, prospects)]
  recipients:
    internal: [Responsables d'équipe, Service qualité]
    processors: [OVHcloud (hébergement, France)]
  transfers: []
  securityMeasures:
    accessControl: Comptes nominatifs, habilitations par équipe
    backups: Sauvegarde chiffrée quotidienne
    other: [Enregistrement suspendu pendant le paiement par carte]
  staffCouncilConsultedOn: 2024-11-20
  employeeNoticeRef: Note de service 2024-12, intranet RH
`
