// patches/music-metadata+*.patch (applied by patch-package at install) makes music-metadata build its tag
// mappers and import its parsers once per process instead of once per parsed file (docs/music-metadata-patch.md).
import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'
import {pathToFileURL} from 'node:url'
import {ROOT, wav} from '../helpers.ts'

test('music-metadata as installed shares one tag mapper between parses (the patch is applied)', async () => {
  // Not an export of the package: reached by its file, the way the patch reaches it.
  const file = path.join(ROOT, 'node_modules', 'music-metadata', 'lib', 'common', 'MetadataCollector.js')
  const {MetadataCollector} = await import(pathToFileURL(file).href)
  const [first, second] = [new MetadataCollector({}), new MetadataCollector({})]
  assert.equal(first.tagMapper, second.tagMapper, 'npm install runs patch-package (postinstall); run `npx patch-package` if it was skipped')
})

test('music-metadata as installed imports a parser once per process, not once per parse (the patch is applied)', async () => {
  const lib = path.join(ROOT, 'node_modules', 'music-metadata', 'lib')
  const {riffParserLoader} = await import(pathToFileURL(path.join(lib, 'wav', 'WaveLoader.js')).href)
  const {parseBuffer} = await import(pathToFileURL(path.join(lib, 'core.js')).href)
  const load = riffParserLoader.load
  let loads = 0
  riffParserLoader.load = () => {
    loads++
    return load.call(riffParserLoader)
  }
  try {
    for (const seconds of [1, 2, 3]) assert.equal((await parseBuffer(wav(seconds), 'audio/wav')).format.container, 'WAVE')
  } finally {
    riffParserLoader.load = load
  }
  assert.ok(loads <= 1, `the WAV parser was imported ${loads} times for 3 parses: run \`npx patch-package\` if postinstall was skipped`)
})
