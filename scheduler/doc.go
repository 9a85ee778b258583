// Package scheduler makes the editions of subscriptions at each of their
// scheduled moments, exactly once, through daylight-saving changes,
// restarts and several instances sharing one database.
//
// A subscription's schedule is a Spec: standard cron specs, parsed and
// matched by robfig/cron/v3 on the printer's wall clock (see Spec.Next).
//
// The truth is in the store; the scheduler's loop only wakes it. The store
// keeps a due index: each active subscription's next_at, when it is next
// to be looked at (0 after anything that may change it: made, changed,
// resumed, its printer moved zone). Every Tick reads from the index only
// what is due within Lead, so a tick costs what is due, not the size of
// the fleet, and takes at most MaxQueued at once. Looking at a subscription
// works out its moment from its schedule and its latest claim, and for a
// moment whose time less Lead has come it claims the edition in the store
// (ClaimEdition: a row with a unique key on subscription and local moment,
// written before rendering; a duplicate key means another run has it). The
// claimed edition is rendered in a bounded pool (Workers in all,
// PerPublication of one publication) and queued at once with NotBefore at
// its moment, so a restart after the render loses nothing; the claim then
// records the outcome in the same transaction as the delivery count or the
// subscription's end. Either way the subscription moves in the index to its
// next moment.
//
// The rules:
//
//   - Days. An edition is due at the moments of the subscription's spec
//     that fall on the weekdays its publication publishes (sdk.Meta.Days,
//     none meaning every day).
//   - Daylight saving. robfig/cron matches the spec on the wall clock as if
//     it were UTC, where every local time happens once; Moment places each
//     such moment in the zone: a moment the clocks skip is made when the
//     gap ends, the same day (several skipped in one gap, and one at its
//     end, are one moment: one edition, not a pile); a moment that happens
//     twice is made at its first occurrence only. robfig's own Next in the
//     zone would skip a moment in a gap, which is why it is not used so.
//   - Once per moment. An edition's local moment is its moment on the
//     printer's wall clock when it is claimed (YYYY-MM-DDTHH:MM). Editions
//     never go back in time: a subscription whose latest claim is for a
//     later local moment (its printer moved west, say from UTC+14 to
//     UTC−12, and lives the same hours again) gets no edition until a
//     moment after it. A printer that moves east gets the moments it has
//     not yet lived. A zone change never makes a second edition of a
//     moment. A changed schedule counts from the latest claim too: moving
//     08:00 to 09:00 after 08:00 printed prints again at 09:00.
//   - Catch-up. After downtime the latest moment that passed less than
//     Window ago is made late (and sent at once); older ones are not, nor
//     moments before the subscription was created. A paused subscription
//     makes nothing; resumed within Window of a moment, it makes that
//     edition.
//   - Outcomes. Nothing today is recorded on the claim and nothing prints.
//     Finished ends the subscription with the publication's reason and
//     puts a line in the printer's history (a failed delivery saying the
//     subscription ended). A render error, a bad picture or a full queue
//     marks the claim failed and the history says why; it is not retried.
//   - Stopping. An edition claimed but not rendered when the run stops is
//     given back (the claim deleted) for the next run; the subscription
//     stays due in the index. One whose maker died without a word stays
//     pending until Lease has passed, then another run takes it over, if
//     still within Window.
//   - Missing publications. A subscription to a publication that is not
//     available is looked at again every Retry; when it is back, the
//     catch-up rule says what is made.
package scheduler
