import {availableParallelism} from 'node:os'
import {Piscina} from 'piscina'
import type {FactsTask, RecordingFacts} from './facts.js'

/**
 * Worker threads that read recordings' facts with blocking calls: on a warm cache several times faster than
 * the main thread's asynchronous reads, and the parsing spreads over every core. Started only for archives
 * large enough to repay the threads' start-up.
 */
export class ProbePool {
  private readonly pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    maxThreads: availableParallelism(),
    minThreads: 0,
    idleTimeout: 1000,
  })

  constructor(
    private readonly root: string,
    private readonly timeoutMs: number,
  ) {}

  run(tasks: FactsTask[]): Promise<RecordingFacts[]> {
    return this.pool.run({root: this.root, tasks, timeoutMs: this.timeoutMs})
  }

  get threads(): number {
    return this.pool.options.maxThreads
  }

  close(): Promise<void> {
    return this.pool.destroy()
  }
}
