// Package plugins is the host side of publication plugins: it finds plugin
// binaries in a folder, starts each as its own process (hashicorp/go-plugin
// over gRPC, the protocol of paperboy/sdk), reads their Meta, calls them
// with timeouts and a bound on concurrent calls, restarts a crashed one with
// back-off, kills one that hangs or grows past a memory limit, and logs its
// stderr under its name. A plugin never blocks or crashes the server: every
// failure is an error saying what happened.
//
// Editions of publications that are the same for everyone are rendered
// once per (publication, config, local moment) and shared.
//
// The built-in publications live below this folder, one package each
// (news, weather, puzzle, friends, hello), importing only sdk; builtin
// lists them. They are inside the paperboy binary, which the host starts
// once for each (Config.Builtins) as it starts a plugin binary of the
// folder, so they are supervised alike. A plugin of the folder with a
// built-in's name replaces it.
package plugins
