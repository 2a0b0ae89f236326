package smtp_test

import gosmtp "github.com/emersion/go-smtp"

type smtptestError struct {
	code int
	msg  string
}

func (e *smtptestError) Error() string { return e.msg }

func (e *smtptestError) smtp() error {
	return &gosmtp.SMTPError{Code: e.code, EnhancedCode: gosmtp.EnhancedCodeNotSet, Message: e.msg}
}
