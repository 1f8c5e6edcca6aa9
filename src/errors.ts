// Exit codes are a contract with cron jobs and monitoring: see DESIGN.md and `callrec --help`.
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  partial: 3,
  locked: 4,
  interrupted: 130,
} as const

/** A user-facing failure: one line naming the file or key and what is wrong. */
export class CallrecError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message)
    this.name = 'CallrecError'
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}
