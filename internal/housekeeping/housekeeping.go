// Package housekeeping runs the server's housekeeping as named jobs on a
// cron (robfig/cron/v3): work that keeps the database small and the pages
// quick, such as pruning old deliveries, sessions and edition claims, or
// making the catalogue's samples ahead of its views.
//
// The work of a job is a plain method of the part it belongs to
// (delivery.Queue.PruneDeliveries, core.Server.PruneSessions, …), which
// its tests call directly; cmd/paperboy names the jobs and their
// schedules. Here each run is guarded (a panic is recovered and counted; a
// run that is still going when the next is due skips that one), logged,
// and measured for /metrics: runs, errors, when the last run ended and how
// long it took, by job.
package housekeeping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// Work is one run of a job. It returns how many things it did (rows
// pruned, samples made), for the log, or why it failed. Its context ends
// when the jobs are stopped.
type Work func(ctx context.Context) (int64, error)

// Jobs are the housekeeping jobs and the cron that runs them. Add the jobs,
// then Start; Stop before what they work on closes. Jobs is a
// prometheus.Collector of the jobs' metrics.
type Jobs struct {
	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context // the runs' context, ended by Stop
	cancel context.CancelFunc

	mu   sync.Mutex
	jobs map[string]cron.Job // by name, as the cron runs them

	runs, errs        *prometheus.CounterVec
	lastRun, duration *prometheus.GaugeVec
}

// New makes the jobs' cron, with none yet.
func New(logger *slog.Logger) *Jobs {
	logger = logger.With("part", "housekeeping")
	ctx, cancel := context.WithCancel(context.Background())
	labels := []string{"job"}
	return &Jobs{
		// The cron's own logger: its default writes to stdout. UTC: a job
		// runs the same minutes on every instance, whatever its zone.
		cron: cron.New(cron.WithLogger(cronLogger{logger}), cron.WithLocation(time.UTC)),
		log:  logger, ctx: ctx, cancel: cancel,
		jobs: map[string]cron.Job{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_housekeeping_runs_total", Help: "Runs of each housekeeping job, failed ones included."}, labels),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_housekeeping_errors_total", Help: "Runs of each housekeeping job that failed or panicked."}, labels),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paperboy_housekeeping_last_run_timestamp_seconds", Help: "When each housekeeping job's last run ended, in Unix seconds; 0: not run yet."}, labels),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paperboy_housekeeping_duration_seconds", Help: "How long each housekeeping job's last run took."}, labels),
	}
}

// Add schedules a job by a cron spec: five fields (minute first) or a
// descriptor such as @hourly or @every 10m, in UTC. Its
// metrics are on /metrics from now on, at zero until it runs. A name taken
// already or a spec cron cannot read is an error.
func (j *Jobs) Add(name, spec string, work Work) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.jobs[name]; ok || name == "" {
		return fmt.Errorf("housekeeping: job %q: the name is empty or taken", name)
	}
	// The wrappers are the job's own, not the cron's (cron.WithChain), so
	// that their log lines name it. SkipIfStillRunning goes outside
	// Recover: it takes a token before the run and puts it back after,
	// with no defer, so a panic through it would skip every later run.
	log := cronLogger{j.log.With("job", name)}
	job := cron.NewChain(cron.SkipIfStillRunning(log), cron.Recover(log)).Then(cron.FuncJob(func() { j.run(name, work) }))
	if _, err := j.cron.AddJob(spec, job); err != nil {
		return fmt.Errorf("housekeeping: job %s: schedule %q: %w", name, spec, err)
	}
	j.jobs[name] = job
	j.runs.WithLabelValues(name)
	j.errs.WithLabelValues(name)
	j.lastRun.WithLabelValues(name)
	j.duration.WithLabelValues(name)
	return nil
}

// ErrNoJob is returned by Run for a name no job has.
var ErrNoJob = errors.New("housekeeping: no such job")

// Run runs a job now, as the cron does (recovered, skipped if it runs
// already), and returns when it is done. Stop does not wait for it: its
// caller does. It returns ErrNoJob for a name not added.
func (j *Jobs) Run(name string) error {
	j.mu.Lock()
	job, ok := j.jobs[name]
	j.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoJob, name)
	}
	job.Run()
	return nil
}

// Start runs the jobs on their schedules, in the background.
func (j *Jobs) Start() { j.cron.Start() }

// Stop stops the schedules and ends the context of the runs going on; the
// context it returns is done when they have returned.
func (j *Jobs) Stop() context.Context {
	done := j.cron.Stop()
	j.cancel()
	return done
}

// run runs a job's work once, logs what it did and records the run. A
// panic goes on up to the job's Recover, counted as an error.
func (j *Jobs) run(name string, work Work) {
	start := time.Now()
	failed := true // until the work returns without an error
	defer func() {
		end := time.Now()
		j.runs.WithLabelValues(name).Inc()
		if failed {
			j.errs.WithLabelValues(name).Inc()
		}
		j.lastRun.WithLabelValues(name).Set(float64(end.UnixMilli()) / 1e3)
		j.duration.WithLabelValues(name).Set(end.Sub(start).Seconds())
	}()
	n, err := work(j.ctx)
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case err != nil && j.ctx.Err() != nil:
		j.log.Info("housekeeping job stopped", "job", name, "count", n, "duration", took, slog.Any("error", err))
	case err != nil:
		j.log.Error("housekeeping job failed", "job", name, "count", n, "duration", took, slog.Any("error", err))
	case n > 0:
		j.log.Info("housekeeping job done", "job", name, "count", n, "duration", took)
	default:
		j.log.Debug("housekeeping job done", "job", name, "count", n, "duration", took)
	}
	failed = err != nil
}

// Describe is prometheus.Collector's.
func (j *Jobs) Describe(ch chan<- *prometheus.Desc) {
	j.runs.Describe(ch)
	j.errs.Describe(ch)
	j.lastRun.Describe(ch)
	j.duration.Describe(ch)
}

// Collect is prometheus.Collector's.
func (j *Jobs) Collect(ch chan<- prometheus.Metric) {
	j.runs.Collect(ch)
	j.errs.Collect(ch)
	j.lastRun.Collect(ch)
	j.duration.Collect(ch)
}

var _ prometheus.Collector = (*Jobs)(nil)

// cronLogger is cron's Logger over slog: cron's routine messages (each
// wake, each run started, each run skipped) at debug, its errors (a
// panic, with its stack) at error.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.log.Debug("cron: "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append([]any{slog.Any("error", err)}, keysAndValues...)...)
}

var _ cron.Logger = cronLogger{}
