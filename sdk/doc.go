// Package sdk is what a publication author imports to make prints for
// Little Printers. It never imports the server (core).
//
// A publication implements Publication (Meta, Validate, Render) and calls
// Serve from main; paperboy runs it as a plugin process and talks to it over
// gRPC. Render returns a Document (titles, paragraphs in bold and italic,
// lists, pictures, QR codes, rules, two-column rows), which this package lays
// out on the 384-pixel width of a print in the embedded Go fonts, or a ready
// picture, which TextBox (text in a document's sizes) and Shrink (a photo's
// grey levels) help draw. Package sdktest is the test kit. README.md is the
// guide.
package sdk
