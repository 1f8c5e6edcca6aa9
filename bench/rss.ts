// Runs the callrec CLI in this process and prints its peak RSS (MB) on stderr at exit, so the
// benchmark measures the real command's memory without depending on GNU time being installed.
const [, , ...args] = process.argv
process.argv = [process.argv[0], new URL('../bin/run.js', import.meta.url).pathname, ...args]
process.on('exit', () => process.stderr.write(`\nmaxRSS_MB=${(process.resourceUsage().maxRSS / 1024).toFixed(1)}\n`))
await import('../bin/run.js')
