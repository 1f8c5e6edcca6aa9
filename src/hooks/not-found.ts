import type {Hook} from '@oclif/core'
import {closest} from '../cli/suggest.js'
import {EXIT} from '../errors.js'
import {printable} from '../output/printable.js'

/** `callrec audti`: one line in callrec's error style, with the command meant, instead of oclif's prompt. */
const hook: Hook.CommandNotFound = async function ({id, config}) {
  const typed = id.replaceAll(':', ' ')
  const ids = config.commandIDs.filter((command) => !config.findCommand(command)?.hidden).map((command) => command.replaceAll(':', ' '))
  const topic = ids.filter((command) => command.startsWith(`${typed} `))
  // oclif joins the arguments to the id (`audti ./archive`): the command meant is the closest of its leading words.
  const words = typed.split(' ')
  const meant = words.map((_, index) => closest(words.slice(0, words.length - index).join(' '), ids)).find(Boolean)
  const hint = topic.length > 0 ? `: say which (${topic.join(', ')})` : meant ? `; did you mean \`${config.bin} ${meant}\`?` : ` (\`${config.bin} --help\` lists the commands)`
  process.stderr.write(`${config.bin}: ${printable(typed)}: ${topic.length > 0 ? 'a topic, not a command' : 'no such command'}${hint}\n`)
  process.exit(EXIT.usage)
}

export default hook
