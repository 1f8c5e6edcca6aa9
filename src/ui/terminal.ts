import type {Writable} from 'node:stream'
import type {Ora} from 'ora'
import {lazy} from '../lazy.js'
import type {Write} from '../output/types.js'

const spinners = lazy<typeof import('ora')>('ora')

/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
}

/**
 * A spinner on stderr, only on a real terminal: ora spins at 100% CPU on a terminal of width 0 (some
 * ptys, CI), and stdout must stay parseable. Returns a no-op elsewhere.
 */
export function progress(enabled: boolean, text: string): {update(text: string): void; stop(): void} {
  const stream = process.stderr
  if (!enabled || !stream.isTTY || !(stream.columns > 0)) return {update() {}, stop() {}}
  const spinner: Ora = spinners().default({text, stream, discardStdin: false}).start()
  let last = 0
  return {
    update(next) {
      const now = Date.now()
      if (now - last < 100) return
      last = now
      spinner.text = next
    },
    stop: () => spinner.stop(),
  }
}

/** Writes that wait for the stream to drain, so a slow pipe does not make memory grow. */
export function writerTo(stream: Writable): Write {
  return (text) => {
    if (stream.write(text)) return
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        stream.off('drain', done).off('error', done)
        if (error) reject(error)
        else resolve()
      }
      stream.on('drain', done).on('error', done)
    })
  }
}

/** `1 recording`, `2 recordings`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
