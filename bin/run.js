#!/usr/bin/env node
import {enableCompileCache} from 'node:module'
import {homedir} from 'node:os'
import path from 'node:path'

// V8's compiled code of callrec and its libraries, kept between runs (keyed by each file's content): start-up
// compiles ~200 modules, a third of a small audit's time. In the user's cache folder, not the temp folder, which a
// CLI leaves as it found it; NODE_COMPILE_CACHE chooses another, NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a
// folder that cannot be written just means no cache.
const cacheHome = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache')
enableCompileCache?.(process.env.NODE_COMPILE_CACHE || path.join(cacheHome, 'callrec', 'node-compile-cache'))

// `callrec audit | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
