// The init wizard on a real terminal: util-linux `script` gives the CLI a pseudo-terminal, and each answer is typed
// once its question is on the screen, as a person would.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {loadPolicyFile} from '../../src/policy/load.js'
import {BIN, makeArchive, wav} from '../helpers.js'

const DOWN = '\x1b[B'
const ENTER = '\r'

/** Runs `callrec ARGS` on a pseudo-terminal, typing each answer after the output matches its question. */
function onTerminal(args: string[], dialogue: [RegExp, string][]): Promise<{code: number; screen: string}> {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ')
  // A wide terminal, so that no question wraps in the middle of what the test looks for.
  const child = spawn('script', ['-qfec', `stty cols 200 rows 50; exec ${command}`, '/dev/null'], {env: {...process.env, NO_COLOR: '1', TERM: 'xterm'}})
  let screen = ''
  let seenUpTo = 0
  let step = 0
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8')
    while (step < dialogue.length) {
      const [question, answer] = dialogue[step]
      const found = question.exec(screen.slice(seenUpTo))
      if (!found) break
      seenUpTo += found.index + found[0].length
      step++
      child.stdin.write(answer)
    }
  })
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, screen})
    })
  })
}

test('the wizard asks for the default purpose, the notice and the country, explaining each, and writes them', async () => {
  const name = '202401281134_0639980101-211474_1706412883.78.wav'
  const archive = makeArchive({[`monitor/${name}`]: wav(0.05), [`monitor/202401281135_0639980102-211474_1706412884.79.wav`]: wav(0.05)})
  try {
    const file = path.join(archive.dir, 'callrec.yml')
    const {code, screen} = await onTerminal(
      ['init', archive.dir],
      [
        [/Organisation \(the controller\):/, `ACME${ENTER}`],
        [/Its contact e-mail:/, ENTER],
        [/Data protection officer/, ENTER],
        [/Why are calls recorded\?/, ENTER],
        // none, training, evaluation, quality, analysis: the fourth.
        [/Purpose of recordings that say nothing themselves[\s\S]*purge leaves them/, `${DOWN}${DOWN}${DOWN}${ENTER}`],
        [/Does the PBX tell every caller[\s\S]*consent-missing/, `${DOWN}${ENTER}`],
        [/Country of the PBX[\s\S]*find --caller/, `be${ENTER}`],
        [/Time zone of the PBX clocks:/, ENTER],
        [/PBX or recorder/, ENTER],
        [/Asterisk CDR file/, ENTER],
        [/age recipients allowed to listen/, ENTER],
        [/Journal location/, ENTER],
      ],
    )
    assert.equal(code, 0, screen)
    // Said before the questions: what dates the names.
    assert.match(screen, /File names: 2 of 2 sampled are dated from the name/)
    const {policy} = await loadPolicyFile(file)
    assert.deepEqual(policy.defaults, {purpose: 'quality', noticePlayed: true})
    assert.equal(policy.country, 'BE')
    assert.deepEqual(policy.filenames, ['{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}'])
    const text = readFileSync(file, 'utf8')
    assert.match(text, /^defaults:\n {2}# defaults\.purpose: the purpose of every recording[^\n]*\n( {2}#[^\n]*\n)* {2}purpose: quality\n/m)
    assert.match(text, /^ {2}# defaults\.noticePlayed: true only if the PBX tells every caller[^\n]*\n( {2}#[^\n]*\n)* {2}noticePlayed: true\n/m)
  } finally {
    archive.cleanup()
  }
})
