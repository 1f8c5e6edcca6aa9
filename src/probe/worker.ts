// A thread of the probe pool: reads the facts of a batch of recordings with blocking calls (see LocalStore).
import {LocalStore} from '../store/local.js'
import {readFacts, type FactsTask, type RecordingFacts} from './facts.js'

const stores = new Map<string, LocalStore>()

export default async function probeBatch({root, tasks, timeoutMs}: {root: string; tasks: FactsTask[]; timeoutMs: number}): Promise<RecordingFacts[]> {
  let store = stores.get(root)
  if (!store) stores.set(root, (store = new LocalStore(root, {blocking: true})))
  const facts: RecordingFacts[] = []
  for (const task of tasks) facts.push(await readFacts(store, task, timeoutMs))
  return facts
}
