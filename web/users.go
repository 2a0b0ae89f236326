package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tallyhq/tally"
)

// UserStore manages the users who sign in to the dashboard. Making the last
// admin a viewer, or deleting them, is EConflict; an unknown email is
// ENotFound.
type UserStore interface {
	Users(ctx context.Context) ([]tally.User, error)
	UserByEmail(ctx context.Context, email string) (tally.User, error)
	CreateUser(ctx context.Context, u tally.User) (tally.User, error)
	// SetRole changes a user's role; it applies to their next request.
	// Made a viewer, the admin tokens they made are revoked.
	SetRole(ctx context.Context, email, role string) error
	// SetPassword sets a user's password and role, and signs them out
	// everywhere.
	SetPassword(ctx context.Context, email, hash, role string) error
	// DeleteUser deletes a user, signs them out and revokes the tokens
	// they made.
	DeleteUser(ctx context.Context, email string) error
}

type createUserRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Role     string `json:"role"` // viewer (default) or admin
}

// updateUserRequest changes a user's role, password, or both.
type updateUserRequest struct {
	Role     string `json:"role"`
	Password string `json:"password"`
}

// updateUserResponse is the user as changed, and whether they were signed
// out everywhere (a new password does that).
type updateUserResponse struct {
	User      tally.User `json:"user"`
	SignedOut bool       `json:"signedOut"`
}

// listUsers answers GET /api/v1/users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.users.Users(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(us))
}

// createUser answers POST /api/v1/users.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := decodeBody(w, r, 4096, &req, "user body", `a JSON object {"email", "password", "role"}`); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.newUser(r.Context(), req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// newUser checks req and stores the user it asks for.
func (s *Server) newUser(ctx context.Context, req createUserRequest) (tally.User, error) {
	u := tally.User{Email: strings.ToLower(strings.TrimSpace(req.Email)), Role: orDefault(req.Role, tally.RoleViewer)}
	if err := tally.CheckEmail(u.Email); err != nil {
		return u, err
	}
	if err := tally.CheckUserRole(u.Role); err != nil {
		return u, err
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		return u, err
	}
	u.PasswordHash = hash
	return s.users.CreateUser(ctx, u)
}

// updateUser answers PUT /api/v1/users/{email}: a new role applies at once;
// a new password signs the user out everywhere.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	var req updateUserRequest
	if err := decodeBody(w, r, 4096, &req, "user body", `a JSON object {"role", "password"}`); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.changeUser(r.Context(), emailParam(r), req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, updateUserResponse{User: u, SignedOut: req.Password != ""})
}

// changeUser sets the role, the password or both req gives to the user with
// email, and returns the user as changed.
func (s *Server) changeUser(ctx context.Context, email string, req updateUserRequest) (tally.User, error) {
	u, err := s.users.UserByEmail(ctx, email)
	if err != nil {
		return u, err
	}
	if req.Role == "" && req.Password == "" {
		return u, tally.Errorf(tally.EInvalid, "user body: nothing to change: give a role, a password or both")
	}
	if req.Role != "" && req.Role != u.Role {
		if err := tally.CheckUserRole(req.Role); err != nil {
			return u, err
		}
		if err := notSelf(ctx, u, "change your own role"); err != nil {
			return u, err
		}
		u.Role = req.Role
	}
	if req.Password == "" {
		return u, s.users.SetRole(ctx, u.Email, u.Role)
	}
	if u.PasswordHash, err = HashPassword(req.Password); err != nil {
		return u, err
	}
	return u, s.users.SetPassword(ctx, u.Email, u.PasswordHash, u.Role)
}

// deleteUser answers DELETE /api/v1/users/{email}.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.users.UserByEmail(r.Context(), emailParam(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := notSelf(r.Context(), u, "delete yourself"); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.users.DeleteUser(r.Context(), u.Email); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// emailParam is the route's {email}, unescaped: chi matches the escaped
// path, and the dashboard writes "@" as "%40".
func emailParam(r *http.Request) string {
	e := chi.URLParam(r, "email")
	if u, err := url.PathUnescape(e); err == nil {
		return u
	}
	return e
}

// notSelf refuses (EConflict) what a signed-in admin would do to their own
// user and could not undo: another admin does it.
func notSelf(ctx context.Context, u tally.User, what string) error {
	if p, ok := PrincipalFrom(ctx); ok && p.Kind == "session" && p.Email == u.Email {
		return tally.Errorf(tally.EConflict, "you are signed in as %s: you cannot %s; another admin can", u.Email, what)
	}
	return nil
}
