import { useState } from 'preact/hooks'
import { ApiError, api, type Me } from '../api'

export function Login({ onSignedIn }: { onSignedIn: (m: Me) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  // The API refused the session of a page that was open (api.ts's signIn).
  const expired = new URLSearchParams(location.search).has('expired')
  document.title = 'Sign in · Tally'
  return (
    <div class="login">
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault()
          setBusy(true)
          setError('')
          try {
            onSignedIn(await api.post<Me>('/api/v1/auth/login', { email, password }))
          } catch (err) {
            const e = err as ApiError
            setError(e.down ? 'The Tally API is not answering: is `tally serve` running?' : e.message)
          } finally {
            setBusy(false)
          }
        }}
      >
        <h1>Sign in to Tally</h1>
        {expired && (
          <p class="notice" role="status" data-notice="session-expired">
            Your session expired; sign in again.
          </p>
        )}
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">
          No account yet? An admin creates one with <code>tally user create --admin EMAIL</code>. The demo prints a sign-in link.
        </p>
      </form>
    </div>
  )
}
