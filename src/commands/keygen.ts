import {Flags} from '@oclif/core'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {newIdentity, protectIdentity, readPassphrase, writePrivateFile} from '../crypto/identity.js'

export default class Keygen extends CallrecCommand {
  static summary = 'Make a new age identity (X25519) for someone allowed to listen to recordings.'
  static description = `Writes the identity in age-keygen's format (# created, # public key, AGE-SECRET-KEY-1…), so that keys work with both callrec and age. With -o, the file is created with mode 0600 (never overwritten) and the recipient (age1…) is printed for the policy's encryption.recipients; without -o, the identity goes to stdout and the recipient to stderr, as age-keygen does.

--passphrase-file protects the identity with a passphrase (scrypt, armored): age -d -i and callrec decrypt -i then ask for it (callrec through --passphrase-file).

${exitCodesHelp({})}`

  static examples = [
    {description: 'A key for the DPO; put the printed recipient in callrec.yml:', command: '<%= config.bin %> <%= command.id %> -o ~/.config/callrec/dpo.key'},
    {description: 'A passphrase-protected key:', command: '<%= config.bin %> <%= command.id %> -o dpo.key.age --passphrase-file ~/.config/callrec/passphrase'},
  ]

  static flags = {
    output: Flags.string({char: 'o', description: 'Write the identity to FILE (mode 0600; an existing file is never replaced).', helpValue: 'FILE'}),
    'passphrase-file': Flags.string({description: 'Encrypt the identity with the passphrase on the first line of FILE (mode 0600).', helpValue: 'FILE'}),
  }

  async run(): Promise<{recipient: string; file?: string; identity?: string}> {
    const {flags} = await this.parse(Keygen)
    const passphrase = flags['passphrase-file'] === undefined ? undefined : await readPassphrase(flags['passphrase-file'])
    const {recipient, text} = await newIdentity()
    const content = passphrase === undefined ? text : await protectIdentity(text, passphrase)
    if (flags.output === undefined) {
      if (this.jsonEnabled()) return {recipient, identity: content}
      process.stdout.write(content)
      process.stderr.write(`Public key: ${recipient}\n`)
      return {recipient}
    }
    await writePrivateFile(flags.output, content)
    this.log(recipient)
    return {recipient, file: flags.output}
  }
}
