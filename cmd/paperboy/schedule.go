package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/store"
)

// runScheduleShow explains what a printer prints when: each subscription,
// its next editions and how its last ones went.
func runScheduleShow(e env, args []string) error {
	fs := newFlags(e, "schedule show", "schedule show [--data DIR] [--db DSN] [--plugins DIR] [--builtins LIST] PRINTER")
	data := dataFlag(fs).withDB(fs)
	pubs := newPublicationFlags(fs, data)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want one printer id, as GET /api/v1/printers lists them")
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return fmt.Errorf("printer %q: want its id, a number", rest[0])
	}
	cfg, err := pubs.config()
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.PrinterByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no printer %d", id)
	}
	if err != nil {
		return err
	}
	subs, err := st.SubscriptionsByPrinter(ctx, id)
	if err != nil {
		return err
	}
	// The publications say which days they publish on.
	host := plugins.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer host.Close()
	if err := host.Load(ctx); err != nil {
		return err
	}
	loc := p.Location()
	fmt.Fprintf(e.stdout, "printer %d (%s), time zone %s, now %s\n", p.ID, p.Name, p.TimeZone, time.Now().In(loc).Format("Mon 2 Jan 15:04"))
	if len(subs) == 0 {
		fmt.Fprintln(e.stdout, "  no subscriptions: nothing prints on a schedule")
		return nil
	}
	for _, sub := range subs {
		writeSchedule(ctx, e.stdout, st, host, sub, loc)
	}
	return nil
}

// writeSchedule writes one subscription for people.
func writeSchedule(ctx context.Context, w io.Writer, st *store.Store, host *plugins.Host, sub store.Subscription, loc *time.Location) {
	mode := "waits for the button"
	if sub.Mode == store.ModeNow {
		mode = "prints at once"
	}
	fmt.Fprintf(w, "\nsubscription %d: %s, %s; %d delivered\n", sub.ID, sub.Publication, mode, sub.DeliveryCount)
	meta, err := host.Meta(sub.Publication)
	spec, serr := scheduler.SpecOf(sub, meta) // meta is empty if it is not installed: the spec alone
	if serr != nil {
		fmt.Fprintf(w, "  schedule %q cannot be read: %v\n", sub.Schedule, serr)
	} else {
		fmt.Fprintf(w, "  prints %s (cron: %s)\n", spec.Text(), spec)
	}
	switch {
	case !sub.EndedAt.IsZero():
		fmt.Fprintf(w, "  ended %s: %s\n", sub.EndedAt.In(loc).Format("Mon 2 Jan 2006"), sub.EndReason)
	case sub.Paused:
		fmt.Fprintln(w, "  paused: nothing prints until it is resumed")
	case err != nil:
		fmt.Fprintf(w, "  %s is not installed: nothing prints until it is\n", sub.Publication)
	case serr != nil:
	default:
		var next []string
		for _, at := range spec.Moments(loc, time.Now(), 5) {
			next = append(next, at.Format("Mon 2 Jan 15:04 MST"))
		}
		if len(next) == 0 {
			fmt.Fprintf(w, "  never: it does not come round on a day %s publishes\n", sub.Publication)
		} else {
			fmt.Fprintf(w, "  next: %s\n", strings.Join(next, "; "))
		}
	}
	eds, err := st.EditionsBySubscription(ctx, sub.ID, 3)
	if err != nil {
		fmt.Fprintf(w, "  its editions cannot be read: %v\n", err)
		return
	}
	for _, ed := range eds {
		outcome := ed.Outcome
		if outcome == store.OutcomePending {
			outcome = "being made"
		}
		if ed.Reason != "" {
			outcome += ": " + ed.Reason
		}
		fmt.Fprintf(w, "  %s (due %s): %s\n", strings.Replace(ed.LocalMoment, "T", " ", 1), ed.DueAt.In(loc).Format("15:04 MST"), outcome)
	}
}
