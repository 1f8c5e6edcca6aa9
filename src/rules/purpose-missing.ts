import {origin, recordingRule} from './types.js'

export default recordingRule(
  {id: 'purpose-missing', severity: 'error', description: 'No purpose, or a purpose the policy does not define: "just in case" is not a purpose'},
  (recording, {policy}) => {
    const purpose = recording.fields.purpose
    if (!purpose) return {message: 'no purpose in any source (sidecar, tags, classify: rules, policy defaults)'}
    if (policy.purposes[purpose.value]) return undefined
    return {message: `purpose "${purpose.value}" (${origin(purpose)}) is not defined in the policy (${Object.keys(policy.purposes).join(', ')})`}
  },
)
