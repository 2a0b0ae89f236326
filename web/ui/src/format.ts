// Formatting of money, quantities and times for display. Money arrives as
// exact decimal strings; it becomes a float only to be shown.

const moneyFormats = new Map<string, Intl.NumberFormat>()

export function money(amount: string | number | undefined, currency = 'USD', digits?: number): string {
  const v = typeof amount === 'number' ? amount : Number(amount ?? 0)
  const d = digits ?? (Math.abs(v) >= 1000 ? 0 : 2)
  const key = currency + d
  let f = moneyFormats.get(key)
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD', minimumFractionDigits: d, maximumFractionDigits: d })
    moneyFormats.set(key, f)
  }
  return f.format(v)
}

/**
 * The decimals money needs on a chart's value axis over the data's extent
 * [min, max] for neighbouring ticks to read apart: none once the ticks are
 * whole units apart ("$0 $5,000 $10,000"), else cents ("$0.20 $0.40"), or
 * finer below a cent. The axis spans zero, as ECharts draws it, and ECharts
 * steps about a fifth of it, rounded to 1, 2, 3 or 5 times a power of ten:
 * never below span/7.5, whose power of ten's decimals therefore suffice.
 */
export function axisDecimals(min: number, max: number): number {
  let span = Math.max(max, 0) - Math.min(min, 0)
  // No data, or all of it zero: ECharts draws 0 to 1.
  if (!(span > 0) || !isFinite(span)) span = 1
  const d = -Math.floor(Math.log10(span / 7.5))
  return d <= 0 ? 0 : Math.max(2, d)
}

export function num(s: string | number | undefined): number {
  return typeof s === 'number' ? s : Number(s ?? 0)
}

/** A ratio as a percentage; '–' for none (null: e.g. the utilization of no commitment). */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !isFinite(v)) return '–'
  return (v * 100).toFixed(digits) + '%'
}

export function signedMoney(v: number, currency = 'USD'): string {
  return (v > 0 ? '+' : v < 0 ? '−' : '') + money(Math.abs(v), currency)
}

/**
 * CPU cores in millicores, as Kubernetes takes them and as the right-sizing
 * page says every CPU amount: 1.087 cores is "1087m", 3 cores "3000m".
 */
export function millicores(v: number): string {
  return Math.round(v * 1000) + 'm'
}

/**
 * Memory amounts in one binary unit, the one that reads the largest of them
 * best (GiB from 1 GiB, else MiB), so that amounts put side by side (before
 * → after) compare at a glance: 20 GiB and 19883 MiB are "20.0 GiB" and
 * "19.4 GiB"; three significant digits of the largest.
 */
export function memoryIn(...bytes: number[]): string[] {
  const gi = 2 ** 30
  const mi = 2 ** 20
  const largest = Math.max(0, ...bytes)
  const [unit, size] = largest >= gi ? ['GiB', gi] : ['MiB', mi]
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.max(1, largest / size))))
  return bytes.map((b) => (b / size).toFixed(digits) + ' ' + unit)
}

/** Bytes as an exact Kubernetes quantity: the largest binary unit that keeps them whole ("2Gi", "710Mi"), else bytes. */
export function memoryQuantity(bytes: number): string {
  for (const [suffix, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes !== 0 && bytes % size === 0) return bytes / size + suffix
  }
  return String(Math.round(bytes))
}

/** A container's resources, as a right-sizing recommendation's current and recommended documents have them. */
export interface ContainerResources {
  cpuRequestCores?: number
  cpuLimitCores?: number
  memoryRequestBytes?: number
  memoryLimitBytes?: number
  containerKind?: string
  strategy?: string
}

/**
 * A container's change, each amount as the Right-sizing page says it: CPU
 * in millicores, memory in one binary unit on both sides of the arrow;
 * cpuLimit is absent when there is no CPU limit before or after.
 */
export function resourcesChange(c: ContainerResources, n: ContainerResources) {
  const [memFrom, memTo] = memoryIn(c.memoryRequestBytes ?? 0, n.memoryRequestBytes ?? 0)
  const [limFrom, limTo] = memoryIn(c.memoryLimitBytes ?? 0, n.memoryLimitBytes ?? 0)
  // A request or limit of 0 is none set.
  const set = (v: number | undefined, text: string) => (v ? text : 'none')
  const cpu = (v: number | undefined) => set(v, millicores(v ?? 0))
  return {
    cpu: [cpu(c.cpuRequestCores), cpu(n.cpuRequestCores)],
    cpuLimit: c.cpuLimitCores || n.cpuLimitCores ? [cpu(c.cpuLimitCores), cpu(n.cpuLimitCores)] : undefined,
    memory: [set(c.memoryRequestBytes, memFrom), set(n.memoryRequestBytes, memTo)],
    limit: [set(c.memoryLimitBytes, limFrom), set(n.memoryLimitBytes, limTo)],
  }
}

/**
 * What a container's recommendation changes, in one line, in the words of
 * the server's explanation: a CPU limit removed (its patch sets cpu: null)
 * reads "CPU limit 500m → none".
 */
export function resourcesChangeText(c: ContainerResources, n: ContainerResources): string {
  const x = resourcesChange(c, n)
  const sidecar = n.containerKind === 'sidecar' ? 'native sidecar (initContainers): ' : ''
  const cpuLimit = x.cpuLimit ? `, CPU limit ${x.cpuLimit.join(' → ')}` : ''
  return (
    `${sidecar}CPU request ${x.cpu.join(' → ')}${cpuLimit}, memory request ${x.memory.join(' → ')}, memory limit ${x.limit.join(' → ')}` +
    (n.strategy ? ` (${n.strategy})` : '')
  )
}

export function day(t: string | Date): string {
  const d = typeof t === 'string' ? new Date(t) : t
  return d.toISOString().slice(0, 10)
}

/**
 * The end of a window [start, end) as people read "from … to …": its last
 * day when it ends at midnight (a window to 2026-11-22T00:00Z is through
 * 2026-11-21), else the hour it ends at.
 */
export function lastDay(end: string): string {
  const t = Date.parse(end)
  if (t % 864e5 === 0) return day(new Date(t - 864e5))
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

/** resources: snippet of a container recommendation, as kubectl takes it. */
export function resourcesSnippet(
  container: string,
  r: { cpuRequestCores: number; cpuLimitCores?: number; memoryRequestBytes: number; memoryLimitBytes?: number; containerKind?: string },
): string {
  const lines = [
    `- name: ${container}`,
    '  resources:',
    '    requests:',
    `      cpu: ${millicores(r.cpuRequestCores)}`,
    `      memory: ${memoryQuantity(r.memoryRequestBytes)}`,
  ]
  // A native sidecar is declared in initContainers (restartPolicy: Always): its entry goes there.
  if (r.containerKind === 'sidecar') lines.unshift('# under spec.initContainers (native sidecar)')
  const limits: string[] = []
  if (r.cpuLimitCores) limits.push(`      cpu: ${millicores(r.cpuLimitCores)}`)
  if (r.memoryLimitBytes) limits.push(`      memory: ${memoryQuantity(r.memoryLimitBytes)}`)
  if (limits.length) lines.push('    limits:', ...limits)
  return lines.join('\n') + '\n'
}

/**
 * The last n whole UTC days that have costs attributed ("START,END"), up
 * to the newest attributed hour with costs (lastCostedHour: hours are
 * attributed as they pass, also those nothing has arrived for yet), so a day
 * still in progress or not yet reported does not read as a drop in spend;
 * "<n>d" (the n days to now) until anything is costed.
 */
export function completeDays(lastCostedHour: string | undefined, n: number): string {
  if (!lastCostedHour) return `${n}d`
  const end = new Date(Date.parse(lastCostedHour) + 3600e3)
  end.setUTCHours(0, 0, 0, 0)
  const start = new Date(end.getTime() - n * 864e5)
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z')
  return `${iso(start)},${iso(end)}`
}

/**
 * The exact sum of decimal amounts as the API writes them ("12.345", "-0.5"),
 * as a decimal string: money is added in integers of its smallest digit,
 * never as floats, whose drift can turn $188.335 into $188.33. An amount that
 * is not a decimal makes the sum NaN.
 */
export function sumDecimals(amounts: (string | undefined)[]): string {
  const parsed = amounts.map((a) => /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(a ?? '0'))
  if (parsed.some((m) => !m || m[2] + (m[3] ?? '') === '')) return 'NaN'
  const scale = Math.max(0, ...parsed.map((m) => (m![3] ?? '').length))
  let total = 0n
  for (const m of parsed) {
    const units = BigInt(m![2] + (m![3] ?? '').padEnd(scale, '0'))
    total += m![1] === '-' ? -units : units
  }
  const digits = (total < 0n ? -total : total).toString().padStart(scale + 1, '0')
  const int = digits.slice(0, digits.length - scale)
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '')
  return (total < 0n ? '-' : '') + int + (frac ? '.' + frac : '')
}
