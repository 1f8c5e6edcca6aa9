import {recordingRule} from './types.js'

// An empty recording is still personal data: its name and its CDR row say who called whom, and when. Nothing in it
// serves a purpose, so `purge --rule empty-recording` removes it whatever its retention (holds still win).
// Empty: a header with no sample after it (MixMonitor's 44-byte WAV when the caller hung up first), a zero duration,
// or no byte at all (raw formats such as .gsm or .sln, which have no header).
export default recordingRule(
  {
    id: 'empty-recording',
    severity: 'warning',
    description: 'Audio with no samples (a header-only WAV, zero duration, 0 bytes): no use, yet its name and CDR row are personal data',
    messages: {
      noBytes: 'no audio samples (0 bytes): `purge --rule empty-recording` removes it',
      noSamples: 'no audio samples ({{container}} of {{size}} bytes, zero duration): `purge --rule empty-recording` removes it',
    },
  },
  (recording) => {
    if (recording.size === 0 && !recording.encrypted) return {messageId: 'noBytes'}
    if (recording.audio?.durationSec !== 0) return undefined
    return {messageId: 'noSamples', data: {container: recording.audio.container ?? 'audio', size: recording.size}}
  },
)
