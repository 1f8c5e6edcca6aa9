import {recordingRule} from './types.js'

// An empty recording is still personal data: its name and its CDR row say who called whom, and when. Nothing in it
// serves a purpose, so `purge --rule empty-recording` removes it whatever its retention (holds still win).
export default recordingRule(
  {id: 'empty-recording', severity: 'warning', description: 'Audio with no samples (a header-only WAV, zero duration): no use, yet its name and CDR row are personal data'},
  (recording) =>
    recording.audio?.durationSec === 0 && {message: `no audio samples (${recording.audio.container ?? 'audio'} of ${recording.size} bytes, zero duration): \`purge --rule empty-recording\` removes it`},
)
