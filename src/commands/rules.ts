import {CallrecCommand} from '../cli/base.js'
import {RULES} from '../rules/index.js'
import type {RuleMeta} from '../rules/types.js'

export default class Rules extends CallrecCommand {
  static summary = 'List the audit rules: id, default severity, what each checks.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{rules: RuleMeta[]}> {
    await this.parse(Rules)
    const rules = RULES.map((rule) => rule.meta)
    if (!this.jsonEnabled()) {
      const width = Math.max(...rules.map((rule) => rule.id.length))
      for (const rule of rules) this.log(`${rule.id.padEnd(width)}  ${rule.severity.padEnd(7)}  ${rule.description}`)
    }
    return {rules}
  }
}
