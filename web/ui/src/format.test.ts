import { describe, expect, it } from 'vitest'
import { resourcesChange, resourcesChangeText, sumDecimals } from './format'

describe('sumDecimals', () => {
  it.each([
    // As floats, 49.574 + 69.577 + 69.184 is 188.33499999999998: $188.33.
    [['49.574', '69.577', '69.184'], '188.335'],
    [[], '0'],
    [['-0.5', '0.25'], '-0.25'],
    [['1.10', '2.2'], '3.3'],
    [['-1', '1'], '0'],
    [['0.001', '-0.002'], '-0.001'],
    [[undefined, '3'], '3'],
    [['1e3'], 'NaN'],
  ] as [(string | undefined)[], string][])('%j sums to %s', (amounts, want) => {
    expect(sumDecimals(amounts)).toBe(want)
  })
})

describe('resourcesChangeText', () => {
  // The explanation's words (rightsizing.ContainerResult.Explain): a CPU
  // limit the recommendation removes (its patch sets cpu: null) is said;
  // the page said nothing of the 500m limit cart lost.
  it('says a CPU limit removed', () => {
    const cur = { cpuRequestCores: 0.25, cpuLimitCores: 0.5, memoryRequestBytes: 256 * 2 ** 20, memoryLimitBytes: 512 * 2 ** 20 }
    const rec = { cpuRequestCores: 0.194, memoryRequestBytes: 615 * 2 ** 20, memoryLimitBytes: 666 * 2 ** 20, strategy: 'tally-balanced' }
    expect(resourcesChangeText(cur, rec)).toBe(
      'CPU request 250m → 194m, CPU limit 500m → none, memory request 256 MiB → 615 MiB, memory limit 512 MiB → 666 MiB (tally-balanced)',
    )
    expect(resourcesChange(cur, rec).cpuLimit).toEqual(['500m', 'none'])
  })
  it('says no CPU limit when there is none before or after', () => {
    const r = { cpuRequestCores: 1, memoryRequestBytes: 2 ** 30 }
    expect(resourcesChangeText(r, { ...r, containerKind: 'sidecar' })).toBe(
      'native sidecar (initContainers): CPU request 1000m → 1000m, memory request 1.00 GiB → 1.00 GiB, memory limit none → none',
    )
  })
})
