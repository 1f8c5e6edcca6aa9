import {origin, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'purpose-missing',
    severity: 'error',
    description: 'No purpose, or a purpose the policy does not define: "just in case" is not a purpose',
    messages: {
      none: 'no purpose in any source (sidecar, tags, classify: rules, policy defaults)',
      undefined: 'purpose "{{purpose}}" ({{origin}}) is not defined in the policy ({{defined}})',
    },
  },
  (recording, {policy}) => {
    const purpose = recording.fields.purpose
    if (!purpose) return {messageId: 'none'}
    if (policy.purposes[purpose.value]) return undefined
    return {messageId: 'undefined', data: {purpose: purpose.value, origin: origin(purpose), defined: Object.keys(policy.purposes).join(', ')}}
  },
)
