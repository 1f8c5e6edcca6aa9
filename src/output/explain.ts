import {Chalk} from 'chalk'
import type {Finding, Recording} from '../model.js'
import {sourceLabel} from '../rules/types.js'
import {printable} from './printable.js'

/** One recording, every field with the source that gave it: why a verdict is what it is. Everything read from the archive is printed escaped. */
export function explainRecording(recording: Recording, findings: Finding[], color: boolean): string {
  const paint = new Chalk({level: color ? 1 : 0})
  const lines = [paint.bold(printable(recording.key)), `  size ${recording.size} bytes, modified ${recording.modifiedAt}, ${recording.encrypted ? 'encrypted (age)' : 'not encrypted'}`]
  if (recording.audio) {
    const {container, codec, durationSec, sampleRate, channels} = recording.audio
    lines.push(printable(`  audio ${[container, codec, durationSec === undefined ? undefined : `${durationSec} s`, sampleRate && `${sampleRate} Hz`, channels && `${channels} ch`].filter(Boolean).join(', ')}`))
  }
  if (recording.unreadable) lines.push(`  unreadable: ${printable(recording.unreadable)}`)
  if (recording.sidecarKey) lines.push(`  sidecar ${printable(recording.sidecarKey)}`)
  lines.push('', paint.bold('  fields'))
  for (const [name, field] of Object.entries(recording.fields)) {
    const value = typeof field.value === 'object' ? JSON.stringify(field.value) : printable(String(field.value))
    lines.push(`  ${name.padEnd(15)} ${value.padEnd(28)} ${paint.dim(printable(sourceLabel(field)))}`)
  }
  lines.push('', paint.bold('  findings'))
  if (findings.length === 0) lines.push('  none')
  for (const finding of findings) lines.push(`  ${finding.severity.padEnd(8)}${finding.rule.padEnd(20)} ${printable(finding.message)}`)
  return lines.join('\n') + '\n'
}
