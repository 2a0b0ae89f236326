// What a page may show of a fetch: only what was fetched for the path it
// asks now.
import type { ApiError } from './api'

/** The state of a fetch: the path it was made for, and what it gave. */
export interface FetchState<T> {
  data?: T
  error?: ApiError
  loading: boolean
  path?: string | null
}

/**
 * forPath is state as seen by a page asking path: the data and error of
 * that path alone, and loading until they come. A page renders once with a
 * new path before the fetch of it starts, and showed the old path's data
 * under the new path's labels.
 */
export function forPath<T>(state: FetchState<T>, path: string | null): { data?: T; error?: ApiError; loading: boolean } {
  if (state.path === path) return { data: state.data, error: state.error, loading: state.loading }
  return { data: undefined, error: undefined, loading: path !== null }
}
