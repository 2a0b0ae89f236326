package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// confirmInput is where typed confirmations are read from.
var confirmInput io.Reader = os.Stdin

// stdinIsTerminal reports whether standard input is a terminal, where a
// person can type a confirmation.
var stdinIsTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// confirm writes what is about to happen and asks for phrase to be typed
// (a typed phrase, unlike y/N, cannot be given by reflex); it reports
// whether the line read was phrase.
func confirm(a *app, what, phrase string) bool {
	fmt.Fprintf(a.stderr, "%s\nType %q to confirm: ", what, phrase)
	line, _ := bufio.NewReader(confirmInput).ReadString('\n')
	return strings.TrimSpace(line) == phrase
}
