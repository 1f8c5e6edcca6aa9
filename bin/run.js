#!/usr/bin/env node
import {enableCompileCache} from 'node:module'

// V8's compiled code of callrec and its libraries, kept between runs (in the OS temp folder, keyed by each file's
// content): start-up compiles ~200 modules, a third of a small audit's time. Skipped when it cannot be written.
enableCompileCache?.()

// `callrec audit | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
