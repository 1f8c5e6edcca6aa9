import {Flags} from '@oclif/core'

// Flags of the commands that act on recordings and so write to the access journal.
export const actorFlag = Flags.string({
  description: 'Who asks, as written in the access journal beside the OS user and host (a shared service account says little).',
  helpValue: 'NAME',
})

export const reasonFlag = Flags.string({
  description: 'Why, as written in the access journal (a ticket, a request reference).',
  helpValue: 'TEXT',
})
