package housekeeping_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/internal/housekeeping"
	"paperboy/internal/syncbuf"
)

// newJobs makes jobs whose metrics are on a registry of their own and
// whose log (debug and up, JSON) is in a buffer.
func newJobs(t *testing.T) (*housekeeping.Jobs, *prometheus.Registry, *syncbuf.Buffer) {
	t.Helper()
	var log syncbuf.Buffer
	jobs := housekeeping.New(slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	reg := prometheus.NewRegistry()
	reg.MustRegister(jobs)
	return jobs, reg, &log
}

// sample is the value of a metric's sample for a job, and whether there
// is one.
func sample(t *testing.T, reg *prometheus.Registry, name, job string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" && l.GetValue() == job {
					return m.GetCounter().GetValue() + m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func value(t *testing.T, reg *prometheus.Registry, name, job string) float64 {
	t.Helper()
	v, ok := sample(t, reg, name, job)
	if !ok {
		t.Fatalf("no %s{job=%q}", name, job)
	}
	return v
}

func TestJobs_Add(t *testing.T) {
	jobs, reg, _ := newJobs(t)
	nothing := func(context.Context) (int64, error) { return 0, nil }
	if err := jobs.Add("taken", "@hourly", nothing); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, spec string
		wantErr    bool
	}{
		{"hourly", "@hourly", false},
		{"every five minutes", "*/5 * * * *", false},
		{"at ten past", "10 * * * *", false},
		{"every ten minutes from the start", "@every 10m", false},
		{"", "@hourly", true},
		{"taken", "@daily", true},
		{"words", "every hour", true},
		{"minute 61", "61 * * * *", true},
		{"seconds", "0 */5 * * * *", true}, // six fields: cron.New reads five
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.spec, func(t *testing.T) {
			err := jobs.Add(tt.name, tt.spec, nothing)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Add(%q, %q)=%v, want an error: %v", tt.name, tt.spec, err, tt.wantErr)
			}
			if err != nil && tt.name != "" && !strings.Contains(err.Error(), tt.name) {
				t.Errorf("%q does not name the job", err)
			}
			// A job's metrics are there, at zero, before it runs.
			if _, ok := sample(t, reg, "paperboy_housekeeping_runs_total", tt.name); ok == tt.wantErr && tt.name != "taken" {
				t.Errorf("runs_total of %q there: %v, want %v", tt.name, ok, !tt.wantErr)
			}
		})
	}
	if err := jobs.Run("nope"); !errors.Is(err, housekeeping.ErrNoJob) {
		t.Errorf("Run of no job: %v, want ErrNoJob", err)
	}
}

// TestJobs_Run runs each kind of job as the cron would, and checks what is
// logged and measured.
func TestJobs_Run(t *testing.T) {
	tests := []struct {
		name     string
		work     housekeeping.Work
		runs     int
		wantErrs float64
		wantLog  []string // in the log, in this order
	}{
		{"pruned some", func(context.Context) (int64, error) { return 3, nil }, 1, 0,
			[]string{`"level":"INFO","msg":"housekeeping job done","part":"housekeeping","job":"pruned some","count":3`}},
		{"nothing to do", func(context.Context) (int64, error) { return 0, nil }, 1, 0,
			[]string{`"level":"DEBUG","msg":"housekeeping job done","part":"housekeeping","job":"nothing to do","count":0`}},
		{"fails", func(context.Context) (int64, error) { return 0, errors.New("database is locked") }, 2, 2,
			[]string{`"level":"ERROR","msg":"housekeeping job failed","part":"housekeeping","job":"fails"`, `"error":"database is locked"`}},
		// A panic is recovered, logged with its stack and counted; the
		// next run runs (it is not skipped as if one still ran).
		{"panics", func(context.Context) (int64, error) { panic("nil map") }, 2, 2,
			[]string{`"level":"ERROR","msg":"cron: panic","part":"housekeeping","job":"panics","error":"nil map","stack":"...`,
				`"level":"ERROR","msg":"cron: panic","part":"housekeeping","job":"panics"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, reg, log := newJobs(t)
			calls := 0
			if err := jobs.Add(tt.name, "@hourly", func(ctx context.Context) (int64, error) { calls++; return tt.work(ctx) }); err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			for range tt.runs {
				if err := jobs.Run(tt.name); err != nil {
					t.Fatal(err)
				}
			}
			if calls != tt.runs {
				t.Errorf("the work ran %d times, want %d", calls, tt.runs)
			}
			if got := value(t, reg, "paperboy_housekeeping_runs_total", tt.name); got != float64(tt.runs) {
				t.Errorf("runs_total=%v, want %d", got, tt.runs)
			}
			if got := value(t, reg, "paperboy_housekeeping_errors_total", tt.name); got != tt.wantErrs {
				t.Errorf("errors_total=%v, want %v", got, tt.wantErrs)
			}
			last := value(t, reg, "paperboy_housekeeping_last_run_timestamp_seconds", tt.name)
			if at := time.UnixMilli(int64(last * 1e3)); at.Before(before.Truncate(time.Millisecond)) || at.After(time.Now()) {
				t.Errorf("last run at %v, want since %v", at, before)
			}
			if d := value(t, reg, "paperboy_housekeeping_duration_seconds", tt.name); d < 0 || d > time.Since(before).Seconds() {
				t.Errorf("duration %vs, want the run's", d)
			}
			rest := log.String()
			for _, want := range tt.wantLog {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("the log lacks %s:\n%s", want, log.String())
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// TestJobs_Schedule runs the cron on synctest's clock: jobs run on their
// schedules, a run due while the last still runs is skipped, and Stop ends
// the context of the runs going on and waits for them.
func TestJobs_Schedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jobs, reg, log := newJobs(t)
		var ticks, blocks atomic.Int32
		if err := jobs.Add("ticks", "*/10 * * * *", func(context.Context) (int64, error) { ticks.Add(1); return 1, nil }); err != nil {
			t.Fatal(err)
		}
		if err := jobs.Add("blocks", "@every 10m", func(ctx context.Context) (int64, error) {
			blocks.Add(1)
			<-ctx.Done()
			return 0, ctx.Err()
		}); err != nil {
			t.Fatal(err)
		}
		jobs.Start()
		time.Sleep(65 * time.Minute)
		synctest.Wait()
		if got := ticks.Load(); got != 6 {
			t.Errorf("ticks ran %d times in 65 minutes, want 6", got)
		}
		if got := blocks.Load(); got != 1 {
			t.Errorf("blocks started %d times, want once: it never ended", got)
		}
		if got := value(t, reg, "paperboy_housekeeping_runs_total", "blocks"); got != 0 {
			t.Errorf("blocks: runs_total=%v before it ended, want 0", got)
		}
		if !strings.Contains(log.String(), `"msg":"cron: skip","part":"housekeeping","job":"blocks"`) {
			t.Errorf("the skipped runs are not logged:\n%s", log.String())
		}

		done := jobs.Stop()
		<-done.Done()
		if got := value(t, reg, "paperboy_housekeeping_runs_total", "blocks"); got != 1 {
			t.Errorf("blocks: runs_total=%v after Stop, want 1", got)
		}
		if got := value(t, reg, "paperboy_housekeeping_runs_total", "ticks"); got != 6 {
			t.Errorf("ticks: runs_total=%v, want 6", got)
		}
		if !strings.Contains(log.String(), `"level":"INFO","msg":"housekeeping job stopped","part":"housekeeping","job":"blocks"`) {
			t.Errorf("the stopped run is not logged as stopped:\n%s", log.String())
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := ticks.Load(); got != 6 {
			t.Errorf("ticks ran %d times in all, want no more after Stop", got)
		}
	})
}
