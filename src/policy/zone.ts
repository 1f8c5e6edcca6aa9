import {IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions} from 'luxon'

// Every call date of an archive is converted in the policy's time zone, and luxon asks Intl for the
// offset at each instant (the audit's costliest step). Offsets only change on quarter-hour boundaries
// in every IANA zone, so one answer per quarter hour is exact.
const QUARTER_HOUR = 15 * 60 * 1000

class CachedZone extends Zone {
  private readonly offsets = new Map<number, number>()

  constructor(private readonly zone: IANAZone) {
    super()
  }

  get type(): string {
    return this.zone.type
  }

  get name(): string {
    return this.zone.name
  }

  get isUniversal(): boolean {
    return false
  }

  get isValid(): boolean {
    return this.zone.isValid
  }

  offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    return this.zone.offsetName(ts, options)
  }

  formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.zone.formatOffset(ts, format)
  }

  offset(ts: number): number {
    const bucket = Math.floor(ts / QUARTER_HOUR)
    let offset = this.offsets.get(bucket)
    if (offset === undefined) {
      offset = this.zone.offset(ts)
      this.offsets.set(bucket, offset)
    }
    return offset
  }

  equals(other: Zone): boolean {
    return other.type === this.type && other.name === this.name
  }
}

const zones = new Map<string, Zone>()

/** The IANA zone `name` with its offsets remembered; use it wherever many instants are converted. */
export function timeZone(name: string): Zone {
  let zone = zones.get(name)
  if (!zone) {
    // UTC too: luxon asks Intl for the offset of an IANA "UTC" zone at every instant (a CDR in UTC has millions)
    zone = new CachedZone(IANAZone.create(name.toUpperCase() === 'UTC' ? 'UTC' : name))
    zones.set(name, zone)
  }
  return zone
}
