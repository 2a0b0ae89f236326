package report_test

import gosmtp "github.com/emersion/go-smtp"

func smtptestErr(code int) error {
	return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCodeNotSet, Message: "test rejection"}
}
