// A real headless Chromium (Debian's, installed by .ci/run) driven by playwright-core, with a fresh profile.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {chromium, type BrowserContext} from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Nothing in the background: no updates, sync, first-run pages or QUIC probes that would reach the network.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic', '--disable-component-update', '--disable-sync']

/** Runs `use` with a browser on a fresh --user-data-dir (playwright passes it, with --headless), then closes both. */
export async function withBrowser<T>(use: (context: BrowserContext) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(path.join(tmpdir(), 'callrec-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, headless: true, args: ARGS})
  try {
    return await use(context)
  } finally {
    await context.close()
    rmSync(profile, {recursive: true, force: true})
  }
}
