import {checkbox, input, select} from '@inquirer/prompts'
import {IANAZone} from 'luxon'
import {z} from 'zod'
import {isAgeRecipient} from '../policy/schema.js'
import type {Layout} from './detect.js'
import {EXPLAIN, OFFERED_PURPOSES, type InitAnswers, type PurposeName} from './policy-file.js'

/** Empty, or an address the policy loader accepts (the same check). */
function optionalEmail(text: string): true | string {
  return text.trim() === '' || z.email().safeParse(text.trim()).success || 'Not an e-mail address (name@example.org), or leave it empty'
}

/** Asks for each answer, offering the defaults and what was detected in the archive. Only ever called on a TTY. */
export async function askAnswers(defaults: InitAnswers, layout: Layout): Promise<InitAnswers> {
  const controller = await input({message: 'Organisation (the controller):', required: true})
  const controllerEmail = await input({message: 'Its contact e-mail:', validate: optionalEmail})
  const dpo = await input({message: 'Data protection officer (empty if none yet):'})
  const dpoEmail = dpo ? await input({message: "The DPO's e-mail:", validate: optionalEmail}) : ''
  const purposes = await checkbox<PurposeName>({
    message: 'Why are calls recorded? (default retentions: CNIL and the laws named)',
    choices: (Object.keys(OFFERED_PURPOSES) as PurposeName[]).map((name) => ({name: `${name} (${OFFERED_PURPOSES[name].retention})`, value: name, checked: defaults.purposes.includes(name)})),
    validate: (chosen) => chosen.length > 0 || 'Choose at least one: "just in case" is not a purpose',
  })
  const defaultPurpose = await select<string>({
    message: `Purpose of recordings that say nothing themselves (no sidecar, tag or classify: rule)?\n  ${EXPLAIN.purpose.replace(/\n/g, '\n  ')}`,
    choices: [{name: 'none: leave them purpose-missing', value: ''}, ...purposes.map((name) => ({name: `${name} (${OFFERED_PURPOSES[name].retention})`, value: name}))],
  })
  const notice = await select<string>({
    message: `Does the PBX tell every caller, before recording, that the call is recorded and that they may object?\n  ${EXPLAIN.noticePlayed.replace(/\n/g, '\n  ')}`,
    choices: [
      {name: 'I do not know, or not on every line: leave it unknown', value: ''},
      {name: 'yes, on every recorded line', value: 'yes'},
      {name: 'no', value: 'no'},
    ],
  })
  const country = await input({
    message: `Country of the PBX (ISO 3166, two letters):\n  ${EXPLAIN.country.replace(/\n/g, '\n  ')}\n `,
    default: defaults.country,
    validate: (code) => /^[A-Za-z]{2}$/.test(code.trim()) || 'Two letters, e.g. FR, BE, DE',
  })
  const timezone = await input({message: 'Time zone of the PBX clocks:', default: defaults.timezone, validate: (zone) => IANAZone.isValidZone(zone) || 'An IANA zone such as Europe/Paris'})
  const software = await input({
    message: layout.pbx ? `PBX (${layout.pbx.matched} of ${layout.pbx.seen} file names look like ${layout.pbx.name}):` : 'PBX or recorder (FreePBX, 3CX, Amazon Connect, Oreka…):',
    default: defaults.software,
  })
  const cdr = await input({message: 'Asterisk CDR file (Master.csv), relative to the archive; empty if none:', default: defaults.cdr?.path})
  const recipients = await input({
    message: 'age recipients allowed to listen (age1…, comma-separated; `callrec keygen` makes a key pair); empty for none yet:',
    validate: (text) => split(text).every(isAgeRecipient) || 'Each must be an age recipient (age1…, as `callrec keygen` prints)',
  })
  const journalPath = await input({message: 'Journal location, relative to the archive (empty for the default):'})
  return {
    ...defaults,
    controller: {name: controller.trim(), ...(controllerEmail.trim() ? {email: controllerEmail.trim()} : {})},
    dpo: dpo.trim() ? {name: dpo.trim(), ...(dpoEmail.trim() ? {email: dpoEmail.trim()} : {})} : undefined,
    purposes,
    defaults: {...(defaultPurpose ? {purpose: defaultPurpose} : {}), ...(notice ? {noticePlayed: notice === 'yes'} : {})},
    country: country.trim().toUpperCase(),
    timezone,
    software: software.trim() || undefined,
    cdr: cdr.trim() ? {path: cdr.trim(), format: defaults.cdr?.format ?? 'asterisk-csv'} : undefined,
    recipients: split(recipients),
    journalPath: journalPath.trim() || undefined,
  }
}

function split(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
}
