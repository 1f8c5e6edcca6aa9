import {checkbox, input} from '@inquirer/prompts'
import {IANAZone} from 'luxon'
import {z} from 'zod'
import {isAgeRecipient} from '../policy/schema.js'
import type {Layout} from './detect.js'
import {OFFERED_PURPOSES, type InitAnswers, type PurposeName} from './policy-file.js'

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
