package httpconn_test

import (
	"errors"
	"strconv"

	"liso/shared/httpconn"
)

func errorAs(err error, target any) bool { return errors.As(err, target) }

func itoa(n int) string { return strconv.Itoa(n) }

// errorPageFor is the page the server sends with code; TestErrorPages
// checks what it holds.
func errorPageFor(code int) string { return httpconn.ErrorPage(code) }
