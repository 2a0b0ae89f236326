import { describe, expect, it } from 'vitest'
import { ApiError } from './api'
import { forPath } from './loaded'

describe('forPath', () => {
  const old = { data: { window: '90d' }, loading: false, path: '/api/v1/commitments?window=90d' }

  it('gives the data of the path asked', () => {
    expect(forPath(old, '/api/v1/commitments?window=90d')).toEqual({ data: { window: '90d' }, error: undefined, loading: false })
  })

  // The render after the path changes comes before the effect that fetches
  // it: the page showed "the last 30 days" over the 90 days' dates.
  it('gives no data of another path, and says it is loading', () => {
    expect(forPath(old, '/api/v1/commitments?window=30d')).toEqual({ data: undefined, error: undefined, loading: true })
  })

  it('keeps neither data nor an error of another path', () => {
    const failed = { error: new ApiError(500, 'x', 'boom'), loading: false, path: '/a' }
    expect(forPath(failed, '/b')).toEqual({ data: undefined, error: undefined, loading: true })
  })

  it('is not loading a skipped path', () => {
    expect(forPath({ loading: false }, null)).toEqual({ data: undefined, error: undefined, loading: false })
  })
})
