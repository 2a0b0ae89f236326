// Where focus goes when the dashboard shows another view, and what it
// says of it: a screen reader hears nothing of a view that changes
// without reloading the page, and focus on a button the new view removed
// falls back to the body.

/**
 * The name of the view in main: its heading (h1), and its drill-down's
 * breadcrumbs when it has some: "Allocations: All › Namespace: shop".
 */
export function viewName(main: HTMLElement, heading: HTMLElement): string {
  const title = (heading.textContent ?? '').trim()
  const crumbs = (main.querySelector('nav.crumbs')?.textContent ?? '').replace(/\s+/g, ' ').trim()
  return crumbs ? `${title}: ${crumbs}` : title
}

/**
 * Moves focus to the heading of the view in main (it becomes focusable
 * from script only, tabindex=-1) and announces its name. A page still
 * loading has no heading yet: focus moves when it comes, unless the user
 * has moved it meanwhile. It returns what stops waiting for it.
 */
export function focusView(main: HTMLElement, announce: (name: string) => void): () => void {
  const show = (heading: HTMLElement) => {
    heading.tabIndex = -1
    heading.focus()
    announce(viewName(main, heading))
  }
  const heading = main.querySelector('h1')
  if (heading) {
    show(heading)
    return () => {}
  }
  const before = document.activeElement
  const observer = new MutationObserver(() => {
    const h = main.querySelector('h1')
    if (!h) return
    observer.disconnect()
    if (document.activeElement === before || document.activeElement === document.body) show(h)
  })
  observer.observe(main, { childList: true, subtree: true })
  return () => observer.disconnect()
}
