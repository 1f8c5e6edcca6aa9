// patches/music-metadata+*.patch (applied by patch-package at install) makes music-metadata build its tag
// mappers once per process instead of once per parsed file: the audit's largest CPU cost before it.
import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'
import {pathToFileURL} from 'node:url'
import {ROOT} from '../helpers.ts'

test('music-metadata as installed shares one tag mapper between parses (the patch is applied)', async () => {
  // Not an export of the package: reached by its file, the way the patch reaches it.
  const file = path.join(ROOT, 'node_modules', 'music-metadata', 'lib', 'common', 'MetadataCollector.js')
  const {MetadataCollector} = await import(pathToFileURL(file).href)
  const [first, second] = [new MetadataCollector({}), new MetadataCollector({})]
  assert.equal(first.tagMapper, second.tagMapper, 'npm install runs patch-package (postinstall); run `npx patch-package` if it was skipped')
})
