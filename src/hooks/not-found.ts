import type {Hook} from '@oclif/core'
import {closest} from '../cli/suggest.js'
import {EXIT} from '../errors.js'
import {printable} from '../output/printable.js'

/** `callrec audti`: one line in callrec's error style, with the command meant, instead of oclif's prompt. */
const hook: Hook.CommandNotFound = async function ({id, config}) {
  const typed = id.replaceAll(':', ' ')
  const ids = config.commandIDs.filter((command) => !config.findCommand(command)?.hidden).map((command) => command.replaceAll(':', ' '))
  const topic = ids.filter((command) => command.startsWith(`${typed} `))
  const hint = topic.length > 0 ? `: say which (${topic.join(', ')})` : closest(typed, ids) ? `; did you mean \`${config.bin} ${closest(typed, ids)}\`?` : ` (\`${config.bin} --help\` lists the commands)`
  process.stderr.write(`${config.bin}: ${printable(typed)}: ${topic.length > 0 ? 'a topic, not a command' : 'no such command'}${hint}\n`)
  process.exit(EXIT.usage)
}

export default hook
