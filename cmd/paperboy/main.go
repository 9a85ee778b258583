// Command paperboy is the Little Printer server and its tools, in one binary.
//
//	paperboy serve                               the server
//	paperboy user add EMAIL                      a user and their API token
//	paperboy user reset-password EMAIL           a new password for a user who cannot reset theirs by email
//	paperboy printer                             a virtual printer
//	paperboy codec decode|encode|claim|preview   the wire protocol, for people and scripts
//
// Run "paperboy help" for the list, "paperboy COMMAND -h" for one command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	_ "time/tzdata" // every IANA zone a printer may be in, whatever the machine has

	"paperboy/plugins/builtin"
)

// version is set at build time by the Makefile (-ldflags -X main.version=…).
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command reads and writes, so tests can run commands in
// process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand: its name as typed after paperboy (possibly two
// words), a line of help, and what it does with the rest of the arguments.
type command struct {
	name  string
	usage string
	run   func(e env, args []string) error
	// hidden: not in the help, not for people (the server runs it).
	hidden bool
}

// commands lists every subcommand, in the order help shows them.
func commands() []command {
	return []command{
		{"serve", "the server: bridges, printers and the API (on SQLite unless --db names MySQL)", runServe, false},
		{"user add", "add a user and print their API token", runUserAdd, false},
		{"user reset-password", "set a user's password (a new random one, printed, or --stdin's) and end their sessions", runUserResetPassword, false},
		{"printer", "a virtual bridge with Little Printers, for development and tests", runPrinter, false},
		{"migrate", "bring the database schema up to date", runMigrate, false},
		{"backup", "copy the SQLite database to a new file, safely while the server runs", runBackup, false},
		{"publication add", "add a publication that is a URL (BERG Cloud's publication API), for everyone", runPublicationAdd, false},
		{"publication list", "the URL publications, and whether they answer", runPublicationList, false},
		{"publication remove", "remove a URL publication; its subscriptions end", runPublicationRemove, false},
		{"publication credentials", "new credentials a push publication signs its pushes with (the old ones stop working)", runPublicationCredentials, false},
		{"schedule show", "what a printer prints when: its subscriptions, their next editions and the last ones", runScheduleShow, false},
		{"plugin list", "the installed publications and their config forms", runPluginList, false},
		{"plugin new", "a new publication to start from, in plugins/NAME", runPluginNew, false},
		{"plugin preview", "build a publication and write one edition as a PNG", runPluginPreview, false},
		{"plugin test", "a publication's tests, and paperboy's checks of it", runPluginTest, false},
		{"loadtest", "attach many idle virtual bridges to a server and measure what they cost it", runLoadtest, false},
		{"loadtest burst", "the morning burst: many printers' editions due at one minute, timed to each print", runBurst, false},
		{"loadtest worker", "a batch of loadtest's bridges (loadtest starts it)", runLoadtestWorker, true},
		{"loadtest reference", "loadtest --compare's reference server (loadtest starts it)", runLoadtestReference, true},
		{"codec decode", "bridge messages, one JSON object a line on stdin → their types and fields", runCodecDecode, false},
		{"codec encode", "an image (or a claim code) → the command a bridge receives", runCodecEncode, false},
		{"codec claim", "a claim code → hardware xor, secret and link key", runCodecClaim, false},
		{"codec preview", "an image → a PNG of the print as it will come out", runCodecPreview, false},
		{"version", "the version of this binary", runVersion, false},
		{builtin.Command, "serve a built-in publication as its plugin process (the server starts it)", runPublicationProcess, true},
	}
}

// run runs the command args name and returns the exit status: 0, or 1 with
// one line on stderr saying what is wrong, or 2 for a command line that does
// not name a command.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	// The command whose words args start with; of two (loadtest and
	// loadtest burst), the longer.
	var c command
	var words []string
	for _, cc := range commands() {
		w := strings.Fields(cc.name)
		if len(args) >= len(w) && len(w) > len(words) && equalWords(args[:len(w)], w) {
			c, words = cc, w
		}
	}
	if words != nil {
		err := c.run(e, args[len(words):])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		fmt.Fprintf(stderr, "paperboy %s: %s\n", c.name, oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(stderr, "paperboy: unknown command %q; run \"paperboy help\"\n", strings.Join(args, " "))
	return 2
}

func equalWords(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// oneLine keeps an error message to one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "paperboy: a server for Little Printers, and its tools.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  paperboy %-15s %s\n", c.name, c.usage)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "paperboy COMMAND -h" for the flags of one.`)
}

// flags is a flag set that reports errors by returning them, never by
// printing, and prints its help on -h.
type flags struct {
	*flag.FlagSet
	synopsis string
	out      io.Writer
}

func newFlags(e env, name, synopsis string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, synopsis: synopsis, out: e.stdout}
}

// fromEnv sets each flag from its PAPERBOY_ variable, if set: --max-pending
// from PAPERBOY_MAX_PENDING. Called before parse, so the command line wins.
func (fs *flags) fromEnv() error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "PAPERBOY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && v != "" && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, serr)
			}
		}
	})
	return err
}

// parse parses flags wherever they stand among the arguments, so
// "preview IMAGE -o OUT.png" works as well as "preview -o OUT.png IMAGE", and
// returns the other arguments. "--" ends the flags.
func (fs *flags) parse(args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(fs.out, "usage: paperboy %s\n", fs.synopsis)
				fs.SetOutput(fs.out)
				fs.PrintDefaults()
			}
			return nil, err
		}
		left := fs.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

func runVersion(e env, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments")
	}
	_, err := fmt.Fprintln(e.stdout, "paperboy", version)
	return err
}
