import inquirer from 'inquirer'

/**
 * Asks only on a terminal: with piped stdin the first prompt eats all input (PLATFORM-NOTES), so
 * commands require a flag such as --yes instead. The prompt goes to stderr: stdout stays parseable.
 */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

export async function confirm(message: string): Promise<boolean> {
  const prompt = inquirer.createPromptModule({output: process.stderr})
  const {answer} = await prompt([{type: 'confirm', name: 'answer', message, default: false}])
  return answer
}
