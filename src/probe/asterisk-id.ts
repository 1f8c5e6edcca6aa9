// Asterisk builds a channel's uniqueid as `<epoch>.<counter>`, or `<systemname>-<epoch>.<counter>` when
// asterisk.conf sets `systemname` (main/channel.c, __ast_channel_alloc_ap). File names and CDRs carry it as
// written; joins compare the bare form so that an archive mixing both still matches.

/** Regex source of a uniqueid with its optional system-name prefix, for embedding in file-name patterns. */
export const UNIQUEID_SOURCE = String.raw`(?:[^/]+-)?\d{9,10}\.\d+`

const UNIQUEID = /^(?:(.+)-)?(\d{9,10})\.(\d+)$/

export interface AsteriskUniqueId {
  /** Without the system-name prefix: `1700000000.123`. */
  bare: string
  systemName?: string
  /** Seconds since 1970 when the channel was created. */
  epoch: number
}

export function parseUniqueId(id: string): AsteriskUniqueId | undefined {
  const match = UNIQUEID.exec(id)
  if (!match) return undefined
  return {bare: `${match[2]}.${match[3]}`, systemName: match[1], epoch: Number(match[2])}
}

/** The join key of a uniqueid: `pbx1-1700000000.123` and `1700000000.123` both give `1700000000.123`; other ids are kept as they are. */
export function bareUniqueId(id: string): string {
  return parseUniqueId(id)?.bare ?? id
}
