import type {AuditSummary} from '../audit.js'
import type {Finding, Severity} from '../model.js'
import {durationOf} from '../policy/retention.js'
import type {Policy} from '../policy/schema.js'
import {ruleById} from '../rules/index.js'
import {ruleText, severityName} from '../rules/text.js'
import type {AgentDay} from '../rules/systematic-recording.js'
import {bars, COLORS, histogram, seriesColor} from './charts.js'
import {MAX_MONTHS, statsCollector, UNKNOWN_PURPOSE, verdictOf, type ComplianceFormat, type ComplianceStats} from './compliance.js'
import {COMPLIANCE_LABELS} from './compliance-labels.js'
import {html, page} from './html.js'
import type {Lang} from './register-labels.js'

interface CompliancePageInput {
  lang: Lang
  summary: AuditSummary
  stats: ComplianceStats
  findings: Finding[]
  policy: Policy
  /** Per agent and day from the CDR; undefined when the policy names no CDR. */
  agentDays?: AgentDay[]
}

const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info']
const MAX_AGENT_DAYS = 30

/** The compliance report as one self-contained page: verdict, findings per rule, charts, every finding with its key. */
export function complianceHtml({lang, summary, stats, findings, policy, agentDays}: CompliancePageInput): string {
  const t = COMPLIANCE_LABELS[lang]
  const number = new Intl.NumberFormat(lang)
  const percent = new Intl.NumberFormat(lang, {style: 'percent', maximumFractionDigits: 0})
  const share = (value: number, total: number) => (total > 0 ? percent.format(value / total) : '–')
  const verdict = verdictOf(summary)
  const describeRule = (id: string) => {
    const meta = ruleById(id)?.meta
    return meta && ruleText(meta, lang).description
  }

  const cards = html`<div class="cards"><div><strong>${number.format(summary.recordings)}</strong>${t.cards.recordings}</div>${SEVERITY_ORDER.map(
    (severity) => html`<div class="sev-${severity}"><strong>${number.format(summary.findings[severity])}</strong>${t.cards[severity === 'error' ? 'errors' : severity === 'warning' ? 'warnings' : 'info']}</div>`,
  )}</div>`

  const bySeverity = new Map<string, number>()
  for (const finding of findings) bySeverity.set(`${finding.rule}\0${finding.severity}`, (bySeverity.get(`${finding.rule}\0${finding.severity}`) ?? 0) + 1)
  const ruleRows = Object.entries(summary.byRule).flatMap(([id, count]) => {
    const severities = SEVERITY_ORDER.filter((severity) => bySeverity.has(`${id}\0${severity}`))
    const cells = severities.length > 0 ? severities.map((severity) => ({severity, count: bySeverity.get(`${id}\0${severity}`)!})) : [{severity: ruleById(id)?.meta.severity ?? 'info', count}]
    return cells.map(
      (cell) =>
        html`<tr><td><code>${id}</code></td><td class="sev-${cell.count > 0 ? cell.severity : ''}">${severityName(cell.severity, lang)}</td><td class="num">${number.format(cell.count)}</td><td>${describeRule(id)}</td></tr>`,
    )
  })

  const purposes = [...Object.keys(policy.purposes).filter((name) => stats.perPurpose.has(name)), ...[...stats.perPurpose.keys()].filter((name) => !policy.purposes[name])]
  const series = purposes.filter((name) => stats.ageByPurpose.has(name)).map((name, index) => ({name, label: name === UNKNOWN_PURPOSE ? '?' : name, color: name === UNKNOWN_PURPOSE ? COLORS.muted : seriesColor(index)}))
  const limitsByMonths = new Map<number, string[]>()
  for (const [name, purpose] of Object.entries(policy.purposes)) {
    const months = Math.ceil(durationOf(purpose.retention).as('months'))
    limitsByMonths.set(months, [...(limitsByMonths.get(months) ?? []), name])
  }
  const age = histogram({
    id: 'age',
    title: t.age,
    counts: Array.from({length: stats.months}, (_, bucket) => series.map((item) => stats.ageByPurpose.get(item.name)![bucket] ?? 0)),
    series,
    limits: [...limitsByMonths].map(([months, names]) => ({at: months, label: t.limit(names.join(', '), months)})),
    bucketLabel: (bucket) => String(bucket),
    axisLabel: t.ageAxis,
    note: stats.months === MAX_MONTHS ? t.olderNote(MAX_MONTHS - 1) : undefined,
  })

  const perPurpose = bars({
    id: 'purpose',
    title: t.perPurpose,
    scale: 'count',
    rows: purposes.map((name) => {
      const counts = stats.perPurpose.get(name)!
      return {
        label: name,
        segments: [
          {label: t.within, value: counts.within, color: COLORS.ok},
          {label: t.expired, value: counts.expired, color: COLORS.error},
          {label: t.held, value: counts.held, color: COLORS.hold},
        ],
      }
    }),
    format: (_, total) => number.format(total),
  })

  const encrypted = bars({
    id: 'encrypted',
    title: t.encrypted,
    scale: 'share',
    rows: [
      {
        label: t.all,
        segments: [
          {label: t.encryptedYes, value: stats.encrypted, color: COLORS.ok},
          {label: t.encryptedNo, value: summary.recordings - stats.encrypted, color: policy.encryption.required ? COLORS.error : COLORS.muted},
        ],
      },
    ],
    format: share,
  })

  const notice = bars({
    id: 'notice',
    title: t.notice,
    scale: 'share',
    rows: [
      {
        label: t.all,
        segments: [
          {label: t.noticePlayed, value: stats.notice.played, color: COLORS.ok},
          {label: t.noticeNotPlayed, value: stats.notice.notPlayed, color: COLORS.error},
          {label: t.noticeUnknown, value: stats.notice.unknown, color: COLORS.warning},
        ],
      },
    ],
    format: share,
  })

  const {maxShare, minCalls} = policy.systematic
  // Only the days the rule judges: below minCalls answered calls, a share says nothing (1 of 1 is 100%).
  const judged = (agentDays ?? []).filter((day) => day.answered >= minCalls)
  const unjudged = (agentDays?.length ?? 0) - judged.length
  const days = judged.toSorted((a, b) => b.recorded / b.answered - a.recorded / a.answered || b.answered - a.answered)
  const systematic =
    agentDays &&
    bars({
      id: 'systematic',
      title: t.systematic,
      scale: 'share',
      threshold: {at: maxShare, label: t.maxShare(percent.format(maxShare))},
      rows: days.slice(0, MAX_AGENT_DAYS).map((day) => ({
        label: `${day.agent} · ${day.day}`,
        segments: [
          day.recorded / day.answered > maxShare
            ? {label: t.recordedOver, value: day.recorded, color: COLORS.error}
            : {label: t.recorded, value: day.recorded, color: COLORS.hold},
          {label: t.notRecorded, value: day.answered - day.recorded, color: COLORS.muted},
        ],
      })),
      format: (value, total) => `${share(value, total)} (${value}/${total})`,
      note: [days.length > MAX_AGENT_DAYS && t.moreDays(days.length - MAX_AGENT_DAYS), unjudged > 0 && t.fewCalls(unjudged, minCalls)].filter(Boolean).join(' ') || undefined,
    })

  const sorted = findings.toSorted((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity))
  const findingRows = sorted.map(
    (finding) =>
      html`<tr><td class="sev-${finding.severity}">${severityName(finding.severity, lang)}</td><td><code>${finding.rule}</code></td><td class="key">${finding.key}</td><td>${finding.message}</td><td>${finding.dueAt?.slice(0, 10)}</td></tr>`,
  )

  const body = html`<h1>${t.title}</h1>
<p class="meta">${t.asOf} ${summary.now} · ${t.archive} ${summary.archive} · ${t.policy} ${summary.policyFile ?? t.noPolicy}</p>
<div class="verdict ${verdict}" id="verdict">${t.verdict[verdict]}</div>
${cards}
<section id="rules"><h2>${t.byRule}</h2><table><thead><tr><th>${t.rule}</th><th>${t.severity}</th><th class="num">${t.count}</th><th>${t.description}</th></tr></thead><tbody>${ruleRows}</tbody></table></section>
<section id="charts"><h2>${t.charts}</h2><div class="charts">${age}${perPurpose}${encrypted}${notice}${systematic}</div></section>
<section id="findings"><h2>${t.findings} (${number.format(findings.length)})</h2>${
    findings.length > 0
      ? html`<table><thead><tr><th>${t.severity}</th><th>${t.rule}</th><th>${t.key}</th><th>${t.message}</th><th>${t.due}</th></tr></thead><tbody>${findingRows}</tbody></table>`
      : html`<p>${t.noFindings}</p>`
  }</section>`
  return page(lang, t.title, body)
}

/** The page needs the whole audit before its headline: counts and findings are kept, rows are not. */
export default {
  id: 'html',
  charts: true,
  create(write, {policy, now, lang}) {
    const collector = statsCollector(policy, now)
    const findings: Finding[] = []
    return {
      row: async (row, recording) => collector.add(row, recording),
      finding: async (finding) => void findings.push(finding),
      end: (summary, {agentDays}) => write(complianceHtml({lang, summary, stats: collector.stats, findings, policy, agentDays})),
    }
  },
} satisfies ComplianceFormat
