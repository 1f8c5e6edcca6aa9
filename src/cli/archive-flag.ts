import {Flags} from '@oclif/core'

/** The archive, for commands whose argument is something else (a key): as the archive argument elsewhere. */
export const archiveFlag = Flags.string({
  char: 'a',
  description: 'Archive folder. Default: the nearest folder up from here that holds callrec.yml; without one, refused (exit 2).',
  helpValue: 'DIR',
})
