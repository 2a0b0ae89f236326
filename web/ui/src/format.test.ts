import { describe, expect, it } from 'vitest'
import { sumDecimals } from './format'

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
