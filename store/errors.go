package store

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// ErrNotFound is returned, wrapped, when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned, wrapped, when a write breaks a unique key.
var ErrConflict = errors.New("already exists")

// isDuplicate reports whether err is a unique-key violation, in either
// database.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062 // ER_DUP_ENTRY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isMissingParent reports whether err is a foreign-key violation: the row
// referred to does not exist.
func isMissingParent(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1452 // ER_NO_REFERENCED_ROW_2
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// ErrUnfinished is returned, wrapped, for a change only a finished delivery
// allows (deleting it from the history).
var ErrUnfinished = errors.New("not finished yet")

// isDeadlock reports whether err is MySQL giving up a statement to break a
// deadlock (or a lock wait that lasted too long): InnoDB rolled it back,
// and running it again is what MySQL asks for.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205) // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
}
