// Writes oclif.manifest.json after the build, as `oclif manifest` would: with it, oclif loads only the
// command that runs instead of importing every command module (and their libraries) at each start.
import {writeFileSync} from 'node:fs'
import {Plugin} from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true})
await plugin.load()
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
