import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, setCSRF, signInURL, signedIn, type Me } from './api'
import { ErrorState, Loading } from './components'
import { focusView } from './focus'
import { Link, navigate, takeViewChange, useLocation } from './router'
import { Login } from './pages/Login'
import { Overview } from './pages/Overview'
import { AllocationsPage } from './pages/Allocations'
import { FunctionsPage } from './pages/Functions'
import { Rightsizing } from './pages/Rightsizing'
import { CommitmentsPage } from './pages/Commitments'
import { Reports } from './pages/Reports'
import { Settings } from './pages/Settings'
import './style.css'

const pages: { path: string; title: string; view: (p: { me: Me }) => any }[] = [
  { path: '/', title: 'Overview', view: Overview },
  { path: '/allocations', title: 'Allocations', view: AllocationsPage },
  { path: '/functions', title: 'Functions', view: FunctionsPage },
  { path: '/rightsizing', title: 'Right-sizing', view: Rightsizing },
  { path: '/commitments', title: 'Commitments', view: CommitmentsPage },
  { path: '/reports', title: 'Reports', view: Reports },
  { path: '/settings', title: 'Settings', view: Settings },
]

function NotFound(_: { me: Me }) {
  return (
    <div class="page" data-page="not-found">
      <h1>Page not found</h1>
      <p>
        Tally has no page at <code>{location.pathname}</code>.
      </p>
      <p>
        <Link href="/">Go to the overview</Link>
      </p>
    </div>
  )
}

function App() {
  const { path } = useLocation()
  const [me, setMe] = useState<Me | null | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>()
  const [signOutError, setSignOutError] = useState('')
  const load = () => {
    setError(undefined)
    api.get<Me>('/api/v1/auth/me').then(
      (m) => {
        setCSRF(m.csrfToken ?? '')
        setMe(m)
      },
      (e: ApiError) => (e.status === 401 ? setMe(null) : setError(e)),
    )
  }
  useEffect(() => (location.pathname === '/login' ? setMe(null) : load()), [])
  // Another view (a page, a drill-down) takes focus to its heading and is
  // announced; the first load leaves focus where the browser puts it.
  const main = useRef<HTMLElement>(null)
  const [announcement, setAnnouncement] = useState('')
  useEffect(() => {
    if (!takeViewChange() || !main.current) return
    return focusView(main.current, setAnnouncement)
  })
  if (path === '/login' || me === null) {
    return (
      <Login
        onSignedIn={(m) => {
          signedIn()
          setCSRF(m.csrfToken ?? '')
          setMe(m)
          const next = new URLSearchParams(location.search).get('next')
          // The first view after signing in is a first load: focus stays where the browser puts it.
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true, false)
        }}
      />
    )
  }
  // A path no page has (a mistyped or stale link) says so: the server
  // answers it 404 with this app, which must not show the overview as if
  // the link had worked.
  const page = pages.find((p) => p.path === path)
  document.title = (page?.title ?? 'Page not found') + ' · Tally'
  const View = page?.view ?? NotFound
  // Until the session is known (the API down on a reload, or slow) the
  // frame shows, with its navigation, and the content says why it waits.
  const content = error ? (
    <div class="page" data-state="session-error">
      <ErrorState error={error} retry={load} what="your session" />
    </div>
  ) : me === undefined ? (
    <Loading what="Tally" />
  ) : (
    <View me={me} />
  )
  return (
    <div class="layout">
      <a
        class="skip"
        href="#main"
        onClick={(e: MouseEvent) => {
          e.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Tally</span>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <Link
              key={p.path}
              href={p.path}
              class={p.path === page?.path ? 'active' : ''}
              aria-current={p.path === page?.path ? 'page' : undefined}
            >
              {p.title}
            </Link>
          ))}
        </nav>
        {me && (
          <span class="who">
            {me.email ?? 'token ' + me.role} <span class="role">{me.role}</span>
            {me.kind === 'session' && (
              <button
                class="link"
                onClick={async () => {
                  setSignOutError('')
                  try {
                    await api.post('/api/v1/auth/logout')
                  } catch (e) {
                    // A session already gone (expired, revoked) is signed out.
                    if (!(e instanceof ApiError && e.status === 401)) {
                      setSignOutError('Sign-out failed: ' + (e as Error).message)
                      return
                    }
                  }
                  // Signing in again comes back to this page.
                  location.assign(signInURL())
                }}
              >
                Sign out
              </button>
            )}
            {signOutError && (
              <span class="form-error" role="alert">
                {signOutError}
              </span>
            )}
          </span>
        )}
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {content}
      </main>
      <div class="sr-only" role="status" aria-live="polite" data-announcer>
        {announcement}
      </div>
    </div>
  )
}

render(<App />, document.getElementById('app')!)
