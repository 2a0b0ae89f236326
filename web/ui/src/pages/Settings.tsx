import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, type CostSettings, type Me, type Token, type User } from '../api'
import { Card, ErrorState, Loading, useApi } from '../components'
import { day } from '../format'

function CostRules({ admin }: { admin: boolean }) {
  const current = useApi<CostSettings>('/api/v1/settings/cost')
  const [form, setForm] = useState<CostSettings | null>(null)
  const [msg, setMsg] = useState('')
  const [failed, setFailed] = useState('')
  useEffect(() => {
    if (current.data) setForm(current.data)
  }, [current.data])
  if (current.error) return <ErrorState error={current.error} retry={current.reload} what="cost settings" />
  if (!form) return <Loading what="cost settings" />
  return (
    <form
      class="settings"
      aria-label="Shared-cost rules"
      onSubmit={async (e) => {
        e.preventDefault()
        setMsg('')
        setFailed('')
        try {
          setForm(await api.put<CostSettings>('/api/v1/settings/cost', form))
          setMsg('Saved. Allocation views without their own idle/shared choice now use these rules.')
        } catch (err) {
          setFailed('The rules are not saved: ' + (err as ApiError).message)
        }
      }}
    >
      <label>
        Idle cost
        <select name="idle" disabled={!admin} value={form.idle} onChange={(e) => setForm({ ...form, idle: e.currentTarget.value })}>
          <option value="separate">shown as __idle__</option>
          <option value="share">shared over each cluster's workloads</option>
          <option value="hide">hidden</option>
        </select>
      </label>
      <label>
        Shared costs (control plane, shared namespaces)
        <select name="shared" disabled={!admin} value={form.shared} onChange={(e) => setForm({ ...form, shared: e.currentTarget.value })}>
          <option value="weighted">spread by each workload's cost</option>
          <option value="even">spread evenly</option>
          <option value="separate">shown as __shared__</option>
        </select>
      </label>
      <label>
        Shared namespaces (comma-separated)
        <input
          name="shareNamespaces"
          disabled={!admin}
          value={form.shareNamespaces.join(', ')}
          onChange={(e) =>
            setForm({
              ...form,
              shareNamespaces: e.currentTarget.value
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            })
          }
        />
      </label>
      {admin ? <button type="submit">Save rules</button> : <p class="hint">Only admins change these rules.</p>}
      {msg && (
        <p class="hint" role="status">
          {msg}
        </p>
      )}
      {failed && (
        <p class="form-error" role="alert">
          {failed}
        </p>
      )}
    </form>
  )
}

/**
 * tokenState says whether a token still works: revoked (when, and why: its
 * maker was deleted or made a viewer), expired, or when it expires.
 */
function tokenState(t: Token): string {
  if (t.revokedAt) return `revoked ${day(t.revokedAt)}: ${t.revoked ?? ''}`
  if (!t.expiresAt) return 'never'
  return Date.parse(t.expiresAt) <= Date.now() ? `expired ${day(t.expiresAt)}` : day(t.expiresAt)
}

/** The new-token form's values before anything is typed, and again once a token is created. */
const blankToken = { name: '', kind: 'api', role: 'viewer', cluster: '', expiresInDays: 0 }

function Tokens() {
  // clusters: those agents have reported, which an agent token is for (older servers: absent).
  const list = useApi<{ tokens: Token[]; clusters?: string[] }>('/api/v1/tokens')
  const [form, setForm] = useState(blankToken)
  // The token just created: its secret, shown once, its kind, and what to know about it.
  const [created, setCreated] = useState<{ secret: string; kind: string; notice?: string } | null>(null)
  const [err, setErr] = useState('')
  const [revokeErr, setRevokeErr] = useState('')
  if (list.error) return <ErrorState error={list.error} retry={list.reload} what="tokens" />
  if (!list.data) return <Loading what="tokens" />
  return (
    <>
      <table class="grid" aria-label="Tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Role</th>
            <th>Cluster</th>
            <th>Created by</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data.tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.kind}</td>
              <td>{t.role}</td>
              <td>{t.cluster ?? ''}</td>
              <td>{t.createdBy || '–'}</td>
              <td>{day(t.createdAt)}</td>
              <td>{t.lastUsedAt ? day(t.lastUsedAt) : 'never'}</td>
              <td>{tokenState(t)}</td>
              <td>
                <button
                  class="link danger"
                  onClick={async () => {
                    if (!confirm(t.revokedAt ? `Remove revoked token ${t.name} from the list?` : `Revoke token ${t.name}?`)) return
                    setRevokeErr('')
                    try {
                      await api.del('/api/v1/tokens/' + encodeURIComponent(t.id))
                    } catch (x) {
                      setRevokeErr(`Could not revoke ${t.name}: ${(x as Error).message}`)
                    }
                    list.reload()
                  }}
                >
                  {t.revokedAt ? 'Remove' : 'Revoke'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revokeErr && (
        <p class="form-error" role="alert">
          {revokeErr}
        </p>
      )}
      <form
        class="settings inline"
        aria-label="New token"
        onSubmit={async (e) => {
          e.preventDefault()
          setErr('')
          try {
            const r = await api.post<{ secret: string; notice?: string }>('/api/v1/tokens', form)
            setCreated({ secret: r.secret, kind: form.kind, notice: r.notice })
            setForm(blankToken)
            list.reload()
          } catch (x) {
            setErr((x as ApiError).message)
          }
        }}
      >
        <label>
          Name
          <input name="tokenName" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </label>
        <label>
          Kind
          <select name="tokenKind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.currentTarget.value })}>
            <option value="api">API (scripts, Prometheus)</option>
            <option value="agent">agent (ingest only)</option>
          </select>
        </label>
        {form.kind === 'api' ? (
          <label>
            Role
            <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </select>
          </label>
        ) : (
          <label>
            Cluster
            <input
              name="tokenCluster"
              required
              list="reported-clusters"
              value={form.cluster}
              onInput={(e) => setForm({ ...form, cluster: e.currentTarget.value })}
            />
            <datalist id="reported-clusters">
              {(list.data.clusters ?? []).map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
        )}
        <label>
          Expires in days (0: never)
          <input
            name="tokenExpiresInDays"
            type="number"
            min={0}
            max={3650}
            value={form.expiresInDays}
            onInput={(e) => setForm({ ...form, expiresInDays: Number(e.currentTarget.value) })}
          />
        </label>
        <button type="submit">Create token</button>
      </form>
      {err && (
        <p class="form-error" role="alert">
          {err}
        </p>
      )}
      {created && (
        <div class="notice" data-secret>
          <b>Copy this token now; it is not shown again.</b>
          <pre>{created.secret}</pre>
          {created.notice && (
            <p data-notice="new-cluster" role="status">
              {created.notice}
            </p>
          )}
          {created.kind === 'agent' ? (
            <p class="hint">
              Put it in the agent's Secret: <code>kubectl -n tally create secret generic tally-agent --from-literal=token=…</code>
            </p>
          ) : (
            <p class="hint">
              Send it as <code>Authorization: Bearer …</code>; Prometheus: <code>authorization: {'{'}credentials: …{'}'}</code> in the scrape job.
            </p>
          )}
        </div>
      )}
    </>
  )
}

/** The new-user form's values before anything is typed, and again once a user is created. */
const blankUser = { email: '', password: '', role: 'viewer' }

/** userPath is a user's API path: PUT and DELETE /api/v1/users/{email}. */
const userPath = (email: string) => '/api/v1/users/' + encodeURIComponent(email)

/** PasswordForm sets a user's password, which signs them out everywhere. */
function PasswordForm({ user, self, done }: { user: User; self: boolean; done: (msg: string) => void }) {
  const [password, setPassword] = useState('')
  const [err, setErr] = useState('')
  return (
    <form
      class="settings inline"
      aria-label={`New password for ${user.email}`}
      onSubmit={async (e) => {
        e.preventDefault()
        setErr('')
        try {
          await api.put(userPath(user.email), { password })
        } catch (x) {
          setErr((x as ApiError).message)
          return
        }
        if (self) {
          location.assign('/login?next=' + encodeURIComponent('/settings'))
          return
        }
        done(`Password of ${user.email} set; they are signed out everywhere.`)
      }}
    >
      <label>
        New password for {user.email} (8–72 characters)
        <input
          name="userNewPassword"
          type="password"
          autocomplete="new-password"
          required
          minLength={8}
          maxLength={72}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Set password</button>
      <button type="button" class="link" onClick={() => done('')}>
        Cancel
      </button>
      {self && <p class="hint">You will be signed out, here and everywhere, and sign in again with it.</p>}
      {err && (
        <p class="form-error" role="alert">
          {err}
        </p>
      )}
    </form>
  )
}

function Users({ me }: { me: Me }) {
  const list = useApi<User[]>('/api/v1/users')
  const [form, setForm] = useState(blankUser)
  const [passwordFor, setPasswordFor] = useState<User | null>(null)
  const [msg, setMsg] = useState('')
  const [err, setErr] = useState('')
  if (list.error) return <ErrorState error={list.error} retry={list.reload} what="users" />
  if (!list.data) return <Loading what="users" />
  const change = async (what: string, call: () => Promise<unknown>) => {
    setErr('')
    setMsg('')
    try {
      await call()
      setMsg(what)
    } catch (x) {
      setErr((x as ApiError).message)
    }
    list.reload()
  }
  return (
    <>
      <table class="grid" aria-label="Users">
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data.map((u) => {
            const self = me.kind === 'session' && me.email === u.email
            return (
              <tr key={u.id} data-user={u.email}>
                <td>
                  {u.email}
                  {self && ' (you)'}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.role}
                    disabled={self}
                    title={self ? 'Another admin changes your role.' : undefined}
                    onChange={(e) => {
                      const role = e.currentTarget.value
                      void change(`${u.email} is now ${role}.`, () => api.put(userPath(u.email), { role }))
                    }}
                  >
                    <option value="viewer">viewer</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td>{day(u.createdAt)}</td>
                <td>
                  <button class="link" onClick={() => setPasswordFor(u)}>
                    Set password
                  </button>
                  {!self && (
                    <button
                      class="link danger"
                      onClick={() => {
                        if (!confirm(`Delete user ${u.email}? They are signed out everywhere, and the API tokens they made are revoked.`)) return
                        void change(`Deleted ${u.email}.`, () => api.del(userPath(u.email)))
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {passwordFor && (
        <PasswordForm
          key={passwordFor.email}
          user={passwordFor}
          self={me.kind === 'session' && me.email === passwordFor.email}
          done={(m) => {
            setPasswordFor(null)
            setMsg(m)
          }}
        />
      )}
      {msg && (
        <p class="hint" role="status">
          {msg}
        </p>
      )}
      {err && (
        <p class="form-error" role="alert">
          {err}
        </p>
      )}
      <form
        class="settings inline"
        aria-label="New user"
        onSubmit={(e) => {
          e.preventDefault()
          void change(`Created ${form.role} ${form.email.trim().toLowerCase()}; they sign in with the password you gave.`, async () => {
            await api.post('/api/v1/users', form)
            setForm(blankUser)
          })
        }}
      >
        <label>
          Email
          <input name="userEmail" type="email" required value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />
        </label>
        <label>
          Password (8–72 characters)
          <input
            name="userPassword"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
            maxLength={72}
            value={form.password}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
        </label>
        <label>
          Role
          <select name="userRole" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
            <option value="viewer">viewer (reads everything)</option>
            <option value="admin">admin (also users, tokens and settings)</option>
          </select>
        </label>
        <button type="submit">Create user</button>
      </form>
    </>
  )
}

export function Settings({ me }: { me: Me }) {
  const admin = me.role === 'admin'
  return (
    <div class="page" data-page="settings">
      <h1>Settings</h1>
      <Card title="Shared-cost rules">
        <CostRules admin={admin} />
      </Card>
      <Card title="Users">{admin ? <Users me={me} /> : <p class="hint">Only admins manage users.</p>}</Card>
      <Card title="API and agent tokens">
        {admin ? <Tokens /> : <p class="hint">Only admins manage tokens.</p>}
      </Card>
    </div>
  )
}
