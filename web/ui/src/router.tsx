// Routing and URL state: the path picks the page, the query string holds the
// whole view state, so every view is a shareable link.
import { useEffect, useState } from 'preact/hooks'

const listeners = new Set<() => void>()

/** Whether the last navigation showed another view, which takeViewChange reports once. */
let viewChanged = false

/**
 * Goes to the URL to, replacing the history entry when replace is set.
 * view says whether it shows another view (a drill-down), where focus
 * moves to its heading; by default, when the path changes (another page).
 */
export function navigate(to: string, replace = false, view?: boolean) {
  viewChanged = view ?? new URL(to, location.href).pathname !== location.pathname
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  listeners.forEach((l) => l())
}

window.addEventListener('popstate', () => {
  viewChanged = true
  listeners.forEach((l) => l())
})

/** Whether a navigation since the last call showed another view (not the first load, a sort or a control's change). */
export function takeViewChange(): boolean {
  const v = viewChanged
  viewChanged = false
  return v
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0)
  useEffect(() => {
    const l = () => setTick((t) => t + 1)
    listeners.add(l)
    return () => {
      listeners.delete(l)
    }
  }, [])
  return { path: location.pathname, query: new URLSearchParams(location.search) }
}

/** Reads the view state from the URL with defaults, and writes changes back. */
export function useQueryState<T extends Record<string, string>>(
  defaults: T,
): [T, (patch: Partial<T>, replace?: boolean, view?: boolean) => void] {
  const { query } = useLocation()
  const state = { ...defaults }
  for (const k of Object.keys(defaults)) {
    const v = query.get(k)
    if (v !== null) (state as Record<string, string>)[k] = v
  }
  // view: the patch shows another view (a drill-down), see navigate.
  const set = (patch: Partial<T>, replace = false, view = false) => {
    const next = new URLSearchParams(location.search)
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === (defaults as Record<string, string>)[k]) next.delete(k)
      else next.set(k, v as string)
    }
    const qs = next.toString()
    navigate(location.pathname + (qs ? '?' + qs : ''), replace, view)
  }
  return [state, set]
}

/** A link within the dashboard, followed without reloading it; other attributes (title, data-*) are the anchor's. */
export function Link({ href, children, class: cls, ...attrs }: { href: string; children: any; class?: string; [attr: string]: unknown }) {
  return (
    <a
      {...attrs}
      href={href}
      class={cls}
      onClick={(e: MouseEvent) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return
        e.preventDefault()
        navigate(href)
      }}
    >
      {children}
    </a>
  )
}
