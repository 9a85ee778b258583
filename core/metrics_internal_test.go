package core

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"
)

func TestReadEnd(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&websocket.CloseError{Code: websocket.CloseNormalClosure}, sessionBridgeClosed},
		{&websocket.CloseError{Code: websocket.CloseAbnormalClosure}, sessionBridgeClosed},
		{io.EOF, sessionBridgeClosed},
		{io.ErrUnexpectedEOF, sessionBridgeClosed},
		{fmt.Errorf("read tcp: %w", syscall.ECONNRESET), sessionBridgeClosed},
		{os.ErrDeadlineExceeded, sessionTimedOut},
		{websocket.ErrReadLimit, sessionError},
		{errors.New("websocket: bad opcode 3"), sessionError},
	}
	for _, tt := range tests {
		if got := readEnd(tt.err); got != tt.want {
			t.Errorf("readEnd(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
