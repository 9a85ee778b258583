// Package sdk is what a publication author imports to make prints for
// Little Printers. It never imports the server (core).
//
// So far it holds the text renderer: RenderText lays text out in the
// embedded Go fonts, wrapped to the 384-pixel width of a print, and gives a
// greyscale image the server turns into dots. The Publication interface, the
// document model and the plugin protocol follow.
package sdk
