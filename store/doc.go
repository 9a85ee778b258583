// Package store keeps paperboy's data in SQL: SQLite (pure Go, a file under
// ./data by default) or MySQL, through database/sql with no ORM.
//
// Both databases run the same queries, written with ? placeholders; where
// the dialects differ (upserts, a few types) the statements stand side by
// side in dialect. Migrations are embedded .sql files, one set per dialect
// with the same numbers, each applied in its own transaction and recorded in
// schema_migrations; Open refuses a database whose schema is newer than the
// binary. Times are UTC unix milliseconds in BIGINT columns, converted at the
// edge of the package.
//
// store imports no other paperboy package. Methods take a context first and
// return ErrNotFound or ErrConflict wrapped with what was looked for.
package store
