// The dashboard's client of Tally's JSON API: same-origin fetches with the
// session cookie, the CSRF token on state-changing requests, and errors that
// say what happened.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message)
  }
  /**
   * The API did not answer at all, or a proxy answered for it: a bad gateway,
   * a gateway timeout, or a 503 that is not Tally's JSON (Tally's own 503s,
   * e.g. its database unreachable, carry a code and say what failed).
   */
  get down(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 504 || (this.status === 503 && !this.fromTally)
  }
  /**
   * The server lacks the capability: the route does not exist (404), or
   * the server says it is not configured for it (503 not_configured). Any
   * other 503 is a failure to show, not a missing feature.
   */
  get notAvailable(): boolean {
    return this.status === 404 || (this.status === 503 && this.code === 'not_configured')
  }
  /** The error body was Tally's JSON, with a code. */
  get fromTally(): boolean {
    return this.code !== 'error'
  }
}

let csrfToken = ''

export function setCSRF(token: string) {
  csrfToken = token
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = csrfToken
    if (body !== undefined) headers['Content-Type'] = 'application/json'
  }
  let resp: Response
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, 'unavailable', 'The Tally API is not answering.')
  }
  if (resp.status === 401 && !path.startsWith('/api/v1/auth/')) signIn()
  if (resp.status === 204) return undefined as T
  const text = await resp.text()
  const data = parseJSON(text)
  if (!resp.ok) {
    throw new ApiError(resp.status, data?.code ?? 'error', data?.message ?? `${resp.status} ${resp.statusText}`)
  }
  if (data === undefined || !/[/+]json\b/i.test(resp.headers.get('Content-Type') ?? '')) {
    throw new ApiError(resp.status, 'not_json', notData)
  }
  return data as T
}

/**
 * What a successful answer that is not JSON means: a proxy in front of
 * Tally (an SSO gateway whose session expired) answered with its sign-in
 * page.
 */
export const notData = 'The server answered with a page, not data: your sign-in may have expired — reload.'

/** text as JSON; undefined when it is empty or not JSON. */
function parseJSON(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}

/**
 * The API refused the session: go to the sign-in page, which comes back
 * here once signed in. The sign-in page sends a browser it still knows
 * straight back; when the API refuses that session again (a proxy that
 * refuses the API's paths only), going round again would reload the page
 * forever, so the second refusal within bounceMs is an error to show.
 */
function signIn(): never {
  const last = Number(sessionStorage.getItem(bounceKey) ?? 0)
  if (Date.now() - last < bounceMs) {
    throw new ApiError(401, 'session_refused', sessionRefused)
  }
  sessionStorage.setItem(bounceKey, String(Date.now()))
  location.assign(signInURL(true))
  throw new ApiError(401, 'unauthorized', 'Signed out.')
}

/**
 * The sign-in page that comes back to this page once signed in; expired
 * says the session ended under it (the API refused it), which the sign-in
 * form tells, as it does not on a first visit or after signing out.
 */
export function signInURL(expired = false): string {
  return '/login?next=' + encodeURIComponent(location.pathname + location.search) + (expired ? '&expired=1' : '')
}

const bounceKey = 'tally.signInBounce'
const bounceMs = 30_000

/** The error of an API that refuses a session the sign-in page accepts. */
export const sessionRefused =
  'The API refused your session (401), though the sign-in page accepts it: a proxy in front of Tally may be refusing /api/ requests. Sign out and in again; if this stays, ask your administrator to let /api/ through.'

/** Forgets an earlier trip to the sign-in page: the user signed in with the form. */
export function signedIn() {
  sessionStorage.removeItem(bounceKey)
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
}

// --- Shapes of the API's answers ---

export interface Me {
  kind: string
  email?: string
  role: string
  csrfToken?: string
}

export interface CostView {
  start: string
  end: string
  cpuCost: string
  ramCost: string
  gpuCost: string
  pvCost: string
  networkCost: string
  loadBalancerCost: string
  sharedCost: string
  externalCost: string
  otherCost: string
  idleCost: string
  totalCost: string
  cpuCoreHours: number
  cpuCoreRequestAverage: number
  cpuCoreUsageAverage: number
  ramByteHours: number
  ramByteRequestAverage: number
  ramByteUsageAverage: number
  efficiency: number
  estimated: boolean
}

export interface Group {
  name: string
  keys: string[]
  total: CostView
  steps: CostView[] | null
}

export interface Allocations {
  window: { start: string; end: string }
  step: string
  aggregate: string[]
  currency: string
  totalCost: string
  groups: Group[]
}

export interface Money {
  amount: string
  currency: string
}

export interface FunctionCost {
  name: string
  self: Money
  total: Money
  selfAnnual: Money
  totalAnnual: Money
  selfSamples: number
  totalSamples: number
}

export interface FlameNode {
  name: string
  value: number
  cost: string
  delta?: number
  samples: number
  children?: FlameNode[]
}

export interface ImageSpan {
  container: string
  image: string
  first: string
  last: string
}

export interface ProfiledWorkloads {
  window: { start: string; end: string }
  workloads: { namespace: string; workload: string; cost: Money }[]
}

export interface Functions {
  workload: string
  window: { start: string; end: string }
  total: Money
  functions: FunctionCost[]
  flame: FlameNode
  images: ImageSpan[] | null
  /** The costs include node-hours priced from the catalog (the bill does not cover them yet). */
  estimated?: boolean
  /** The CPU cost total leaves out: the workload's containers without CPU profiles (older servers: absent). */
  unprofiled?: { cpuCost: Money; containers: { cluster: string; container: string; cpuCost: Money }[] }
  /** A diff's base; headFunctions is its cost of each of functions, in order (newer servers). */
  base?: {
    window: { start: string; end: string }
    image?: string
    total: Money
    functions: FunctionCost[]
    headFunctions?: FunctionCost[]
    estimated?: boolean
  }
}

export interface Recommendation {
  id: number
  kind: string
  target: string
  createdAt: string
  monthlySavings: Money
  current?: any
  recommended?: any
  risk?: any
  explanation: string
}

export interface DataStatus {
  billingPeriods: number
  lastIngest?: string
  clusters: number
  pods: number
  agentTokens: number
  lastAttributedHour?: string
  firstAttributedHour?: string
  attributedHours: number
  /** Attributed hours with node-hours priced from the catalog until the bill covers them. */
  estimatedHours: number
  /** Node-hours priced from the catalog, and all node-hours with costs of the estimatedHours (older servers: absent). */
  estimatedNodeHours?: number
  estimatedHoursNodeHours?: number
  /**
   * The oldest and newest attributed hours with costs: hours are attributed
   * as they pass, also those no agent or bill has sent anything for, which
   * cost nothing.
   */
  firstCostedHour?: string
  lastCostedHour?: string
  /** When the hourly data kept begin, if older ones were pruned (tally prune): hourly queries start there. */
  hourlyDataSince?: string
  /** When the function samples kept begin, if older ones were pruned (tally prune --keep-samples). */
  functionSamplesSince?: string
  /** Clusters with no billing account (registered by their agents, not yet billed): their unbilled hours are not estimated. */
  clustersWithoutBillingAccount?: string[]
}

export interface CostSettings {
  idle: string
  shared: string
  shareNamespaces: string[]
}

/** A user who signs in to the dashboard (GET /api/v1/users, admins only). */
export interface User {
  id: number
  email: string
  role: string
  createdAt: string
}

export interface Token {
  id: string
  kind: string
  role: string
  cluster?: string
  name: string
  createdAt: string
  expiresAt?: string
  lastUsedAt?: string
  /** Email of the user who made it; "" when not recorded (older tokens, the command line). */
  createdBy?: string
  /** When and why it was revoked: it is refused but stays listed until removed. */
  revokedAt?: string
  revoked?: string
}

export interface ForecastPoint {
  t: string
  mean: number
  lo80: number
  hi80: number
  lo95: number
  hi95: number
}

export interface Forecast {
  scope: string
  createdAt: string
  granularity: string
  model: string
  historyEnd: string
  points: ForecastPoint[]
  /** The model's parameters; spend forecasts say their bill's currency. */
  params?: { currency?: string; periodCharges?: PeriodCharges }
}

/**
 * How a spend forecast treats charges billed for a month at once (support,
 * tax, reservation fees): perMonth a month, spread over each month's days;
 * pending of month's (YYYY-MM), on its days before the forecast, is not
 * billed yet.
 */
export interface PeriodCharges {
  perMonth: number
  fromMonths: string[]
  month: string
  billed: number
  pending: number
}

export interface Commitment {
  billingAccountId: string
  id: string
  provider: string
  kind: string
  termMonths: number
  start: string
  end: string
  paymentOption: string
  hourlyCommitment: Money
  quantity: number
  upfrontFee: Money
  recurringHourlyFee: Money
  /** What it costs an hour: the hourly commitment, or RI/CUD fees with the upfront spread over the term. */
  hourlyCost?: Money
  state: string
  /** What Tally inferred of it rather than read, and from what (a FOCUS file from AWS names no Savings Plan type or term). */
  inferred?: string
  /** The bill does not date its term: its start is its first charge in the stored bill, its end a term later. */
  startEstimated?: boolean
}

export interface CommitmentKPI {
  t: string
  utilization: number
  coverage: number
  esr: number
}

export interface CommitmentRecommendation {
  id: number | string
  /** The pool it buys for: account/provider/kind[/region[/family]]. */
  target: string
  kind: string
  termMonths: number
  paymentOption: string
  hourlyCommitment: Money
  monthlySavings: { p10: string; p25?: string; p50: string; p75?: string; p90: string; currency: string }
  utilization?: number
  coverage?: number
  explanation?: string
  /** The recommendation's own currency (its account's bill's). */
  currency?: string
}

/** A billing account, as GET /api/v1/commitments/accounts lists them. */
export interface BillingAccount {
  id: string
  provider: string
  name: string
  /** The currency its bill is in (older servers: absent). */
  currency?: string
}

/** GET /api/v1/commitments: see the README for the contract. */
export interface Commitments {
  /** The window the KPIs and the current ratios are of (older servers: absent). */
  window?: { start: string; end: string }
  currency: string
  commitments: Commitment[]
  kpis: CommitmentKPI[]
  /** The window's ratios (null without a bill in it: billInWindow false) and the lock-in of the commitments in force. */
  current?: { utilization: number | null; coverage: number | null; esr: number | null; lockInMonths: number; billInWindow?: boolean }
  recommendations: CommitmentRecommendation[]
}

/** A cost basis: amortized (EffectiveCost), billed (BilledCost: the invoice's) or list (ListCost). */
export type CostBasis = 'amortized' | 'billed' | 'list'

/** A day of one billing account's reconciliation: its bill against what attribution spread of it, on the response's basis. */
export interface ReconDay {
  day: string
  billingAccountId: string
  currency: string
  /** The bill's total on the response's basis. */
  bill: string
  allocated: string
  idle: string
  shared: string
  unallocated: string
  /** allocated + idle + shared + unallocated. */
  total: string
  /** total − bill. */
  difference: string
  estimated: boolean
  /** ok, mismatch, or estimated (the bill does not cover the day yet: nothing to reconcile). */
  status: 'ok' | 'mismatch' | 'estimated'
}

/** The body of GET /api/v1/reconciliation. */
export interface Reconciliation {
  window: { start: string; end: string }
  /** The cost basis of the bill and the allocations (older servers: absent, amortized). */
  basis?: CostBasis
  tolerance: string
  days: ReconDay[]
  ok: number
  mismatched: number
  estimated: number
  largestDifference: string
}
