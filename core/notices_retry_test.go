package core

import (
	"testing"
	"time"
)

func TestNoticeRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		want       time.Duration
		ok         bool
	}{
		{1, 0, 30 * time.Second, true},
		{2, 0, 2 * time.Minute, true},
		{1, 5 * time.Minute, 5 * time.Minute, true},   // the service asked for longer
		{3, time.Minute, 10 * time.Minute, true},      // the back-off is longer already
		{1, 48 * time.Hour, 12 * time.Hour, true},     // never beyond the longest back-off
		{len(noticeBackoff), 0, 12 * time.Hour, true}, // the last try
		{len(noticeBackoff) + 1, 0, 0, false},         // given up
		{0, 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := noticeRetry(tt.attempt, tt.retryAfter)
		if got != tt.want || ok != tt.ok {
			t.Errorf("noticeRetry(%d, %v) = %v, %v; want %v, %v", tt.attempt, tt.retryAfter, got, ok, tt.want, tt.ok)
		}
	}
}
