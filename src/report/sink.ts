import {realpath} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {CallrecError} from '../errors.js'
import type {Write} from '../output/types.js'
import {LocalStore} from '../store/local.js'
import {writerTo} from '../ui/terminal.js'

interface Sink {
  write: Write
  /** Ends the output: for a file, renames the finished temp file into place. */
  close(): Promise<void>
  /** Drops a file's temp copy: a failed run leaves no half-written report behind. */
  abort(error: Error): Promise<void>
}

/** stdout, or FILE written through the store's atomic write (temp file in the same folder, fsync, rename). */
export async function openSink(file: string | undefined, options: {exclusive?: boolean} = {}): Promise<Sink> {
  if (!file) return {write: writerTo(process.stdout), close: async () => {}, abort: async () => {}}
  const target = path.resolve(file)
  const folder = await realpath(path.dirname(target)).catch(() => {
    throw new CallrecError(`${file}: the folder ${path.dirname(target)} does not exist`)
  })
  const stream = new PassThrough()
  const written = new LocalStore(folder).writeAtomic(path.basename(target), stream, {exclusive: options.exclusive}).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new CallrecError(`${file}: already exists (--force overwrites it)`) : new CallrecError(`${file}: cannot write (${error.code ?? error.message})`)
  })
  // Rejections are awaited by close() or abort(); until then a failed write only stops the writer.
  written.catch(() => {})
  return {
    write: writerTo(stream),
    close: async () => {
      stream.end()
      await written
    },
    abort: async (error) => {
      stream.destroy(error)
      await written.catch(() => {})
    },
  }
}

/** Runs `produce` against the sink and closes it, or aborts it when `produce` fails. */
export async function writeTo<T>(sink: Sink, produce: (write: Write) => Promise<T>): Promise<T> {
  try {
    const result = await produce(sink.write)
    await sink.close()
    return result
  } catch (error) {
    await sink.abort(error as Error)
    throw error
  }
}
