import {Chalk} from 'chalk'
import type {Finding, Severity} from '../model.js'
import {RULES} from '../rules/index.js'
import {findingForDisplay} from './personal.js'
import {printable} from './printable.js'
import {plural} from '../ui/terminal.js'
import type {AuditFormat} from './types.js'

/** Keys shown per rule before the table points to the CSV: a terminal is for reading, not for 10,000 rows. */
const KEYS_PER_RULE = 15

export default {
  id: 'table',
  description: 'findings grouped by rule, for a terminal (the default on a TTY)',
  streams: false,
  create(write, {color, showPersonal}) {
    const paint = new Chalk({level: color ? 1 : 0})
    const tint: Record<Severity, (text: string) => string> = {error: paint.red, warning: paint.yellow, info: paint.cyan}
    const byRule = new Map<string, Finding[]>()
    return {
      finding: async (found) => {
        const finding = findingForDisplay(found, showPersonal)
        const list = byRule.get(finding.rule) ?? []
        list.push(finding)
        byRule.set(finding.rule, list)
      },
      async end(summary) {
        const lines: string[] = []
        for (const rule of RULES) {
          const findings = byRule.get(rule.meta.id)
          if (!findings) continue
          const worst = (['error', 'warning', 'info'] as const).find((severity) => findings.some((finding) => finding.severity === severity))!
          lines.push(`${tint[worst](paint.bold(rule.meta.id))} ${paint.dim(`${findings.length} · ${rule.meta.description}`)}`)
          for (const finding of findings.slice(0, KEYS_PER_RULE)) lines.push(`  ${tint[finding.severity](finding.severity.padEnd(7))} ${printable(finding.key)}  ${paint.dim(printable(finding.message))}`)
          if (findings.length > KEYS_PER_RULE) lines.push(paint.dim(`  … and ${findings.length - KEYS_PER_RULE} more (--format csv lists them all)`))
          lines.push('')
        }
        const {findings} = summary
        const size = summary.bytes >= 1e6 ? `${(summary.bytes / 1e6).toFixed(1)} MB` : `${(summary.bytes / 1e3).toFixed(1)} kB`
        lines.push(
          `${paint.bold(plural(summary.recordings, 'recording'))} (${size}), ${summary.encrypted} encrypted, ${summary.unreadable} unreadable · ` +
            `${tint.error(plural(findings.error, 'error'))}, ${tint.warning(plural(findings.warning, 'warning'))}, ${tint.info(`${findings.info} info`)}`,
          paint.dim(printable(`archive ${summary.archive} · policy ${summary.policy} · as of ${summary.now}`)),
        )
        if (findings.error + findings.warning + findings.info === 0) lines.unshift(paint.green('No findings: every recording meets the policy.'), '')
        await write(lines.join('\n') + '\n')
      },
    }
  },
} satisfies AuditFormat
