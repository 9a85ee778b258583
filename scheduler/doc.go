// Package scheduler makes the editions of subscriptions at each
// subscriber's hour, exactly once a day, through daylight-saving changes,
// restarts and several instances sharing one database.
//
// The truth is in the store; the scheduler's loop only wakes it. Every Tick
// it lists the active subscriptions, works out each one's delivery moments
// in its printer's zone (Next), and for a moment whose time less Lead has
// come it claims the edition in the store (ClaimEdition: a row with a
// unique key on subscription and local date, written before rendering; a
// duplicate key means another run has it). The claimed edition is rendered
// in a bounded pool (Workers in all, PerPublication of one publication) and
// queued at once with NotBefore at its moment, so a restart after the
// render loses nothing; the claim then records the outcome in the same
// transaction as the delivery count or the subscription's end.
//
// The rules:
//
//   - Days. An edition is due on the weekdays the publication publishes
//     (sdk.Meta.Days, none meaning every day) narrowed by the
//     subscription's mask (0 meaning all of the publication's).
//   - Daylight saving. Moments are made per local date with time.Date: a
//     time the clocks skip is delivered when the gap ends, the same day; a
//     time that happens twice is delivered at its first occurrence. Either
//     way once, since the claim is per local date.
//   - Same day. An edition's local date is the date of its moment in the
//     printer's zone when it is claimed. Editions never go back in date: a
//     subscription whose latest claim is for a later date (its printer
//     moved west, say from UTC+14 to UTC−12, and lives the same date again)
//     gets no edition until the next date after it. A printer that moves
//     east past midnight is on a new local date, and gets that date's
//     edition at its hour even if the last one printed a few hours before.
//     Within one date, a zone change never makes a second edition.
//   - Catch-up. After downtime an edition whose moment passed less than
//     Window ago is made late (and sent at once); an older one is not.
//     Moments before the subscription was created are never made. A paused
//     subscription makes nothing; resumed within Window of a moment, it
//     makes that edition.
//   - Outcomes. Nothing today is recorded on the claim and nothing prints.
//     Finished ends the subscription with the publication's reason and
//     puts a line in the printer's history (a failed delivery saying the
//     subscription ended). A render error, a bad picture or a full queue
//     marks the claim failed and the history says why; it is not retried.
//   - Stopping. An edition claimed but not rendered when the run stops is
//     given back (the claim deleted) for the next run. One whose maker died
//     without a word stays pending until Lease has passed, then another run
//     takes it over, if still within Window.
package scheduler
