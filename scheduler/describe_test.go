package scheduler_test

import (
	"testing"
	"time"

	"paperboy/scheduler"
)

func TestSpec_Text(t *testing.T) {
	weekend := scheduler.DaysOf(time.Saturday, time.Sunday)
	tests := []struct {
		spec string
		on   scheduler.Days // the publication's days; 0: every day
		want string
	}{
		// Times of day.
		{"0 8 * * *", 0, "at 08:00 every day"},
		{"@daily", 0, "at 00:00 every day"},
		{"0 7,18 * * 1-5", 0, "at 07:00 and 18:00, Monday to Friday"},
		{"0 7,12,18 * * *", 0, "at 07:00, 12:00 and 18:00 every day"},
		{"0 */6 * * *", 0, "at 00:00, 06:00, 12:00 and 18:00 every day"},
		{"0 6,7,9,13,18 * * *", 0, "at 06:00, 07:00, 09:00, 13:00 and 18:00 every day"},
		{"30 7 * * 1-5; 0 18 * * 1-5", 0, "at 07:30 and 18:00, Monday to Friday"},
		{"0 7 * * 1-5; 0 9 * * 0,6", 0, "at 07:00, Monday to Friday; at 09:00 on Saturday and Sunday"},
		{"0 8 * * 1; 0 8 * * 3", 0, "at 08:00 on Monday and Wednesday"},
		{"0 8 * * 1-5; 0 8 * * 6,0", 0, "at 08:00 every day"},

		// Rhythms.
		{"* * * * *", 0, "every minute"},
		{"*/2 * * * *", 0, "every 2 minutes"},
		{"*/30 * * * *", 0, "every 30 minutes"},
		{"5/10 * * * *", 0, "every 10 minutes from 00:05 to 23:55"},
		{"0 * * * *", 0, "every hour, on the hour"},
		{"@hourly", 0, "every hour, on the hour"},
		{"15 * * * *", 0, "every hour at :15"},
		{"0 */2 * * *", 0, "every 2 hours, on the hour"},
		{"30 */2 * * *", 0, "every 2 hours at :30"},
		{"0 1/2 * * *", 0, "every 2 hours from 01:00 to 23:00"},
		{"0 8-20/2 * * *", 0, "every 2 hours from 08:00 to 20:00"},
		{"0 8-12 * * *", 0, "every hour from 08:00 to 12:00"},
		{"*/30 9-17 * * 1-5", 0, "every 30 minutes from 09:00 to 17:30, Monday to Friday"},
		{"* 9 * * *", 0, "every minute from 09:00 to 09:59"},
		{"*/5 * * 12 *", 0, "every 5 minutes in December"},
		{"0,5 * * * *", 0, "every hour at :00 and :05"},
		{"*/7 * * * *", 0, "every 7 minutes past each hour, from :00 to :56"},
		{"5,10,17,23,29,31,44,49 * * * *", 0, "8 times an hour, from :05 to :49"},
		{"0 9-12,14-17 * * *", 0, "every hour from 09:00 to 12:00 and from 14:00 to 17:00"},
		{"0 8-13,18 * * *", 0, "every hour from 08:00 to 13:00 and at 18:00"},
		{"0 8-12,18 * * *", 0, "at 08:00, 09:00, 10:00, 11:00, 12:00 and 18:00 every day"},
		{"*/15 8,12,18 * * *", 0, "every 15 minutes from 08:00 to 08:45, from 12:00 to 12:45 and from 18:00 to 18:45"},
		{"0 8-12 * * *; */30 14-17 * * *", 0, "13 times a day from 08:00 to 17:30"},

		// Days.
		{"0 8 * * 0,6", 0, "at 08:00 on Saturday and Sunday"},
		{"0 8 * * 1,3,5", 0, "at 08:00 on Monday, Wednesday and Friday"},
		{"0 8 * * 1-3,5", 0, "at 08:00 on Monday to Wednesday and Friday"},
		{"0 8 * * 5-6,0", 0, "at 08:00, Friday to Sunday"},
		{"0 8 ? * MON-FRI", 0, "at 08:00, Monday to Friday"},
		{"@weekly", 0, "at 00:00 on Sunday"},
		{"0 8 * * 1#1", 0, "at 08:00 on the first Monday of the month"},
		{"0 8 * * 1#1,1#3", 0, "at 08:00 on the first and third Monday of the month"},
		{"0 8 * * 1#1,5#2", 0, "at 08:00 on the first Monday and the second Friday of the month"},
		{"0 8 * * 1#1,5", 0, "at 08:00 on the first Monday of the month and on Fridays"},
		{"0 8 * * 1#1,1", 0, "at 08:00 on Monday"},
		{"0 8 * * 1#1,1#2,1#3,1#4,1#5", 0, "at 08:00 on Monday"},
		{"0 8 * 1 0#1", 0, "at 08:00 on the first Sunday of January"},
		{"0 8 1 * *", 0, "at 08:00 on the 1st of the month"},
		{"@monthly", 0, "at 00:00 on the 1st of the month"},
		{"0 8 1,15 * *", 0, "at 08:00 on the 1st and 15th of the month"},
		{"0 8 1-7 * *", 0, "at 08:00 on the 1st to 7th of the month"},
		{"0 8 2,3,21,22,23 * *", 0, "at 08:00 on the 2nd, 3rd and 21st to 23rd of the month"},
		{"0 8 */2 * *", 0, "at 08:00 on every 2nd day of the month from the 1st to the 31st"},
		{"0 9 * 12 *", 0, "at 09:00 every day in December"},
		{"0 9 * 3-5,9 *", 0, "at 09:00 every day in March to May and September"},
		{"0 9 25 12 *", 0, "at 09:00 on the 25th of December"},
		{"@yearly", 0, "at 00:00 on the 1st of January"},
		{"0 0 29 2 *", 0, "at 00:00 on the 29th of February"},
		{"0 8 30,31 4,5 *", 0, "at 08:00 on the 30th and 31st of April and May"},
		{"0 8 31 4,5 *", 0, "at 08:00 on the 31st of May"},
		{"0 8 30,31 4 *", 0, "at 08:00 on the 30th of April"},
		// cron's rule: both day fields restricted, either will do.
		{"0 8 1 * 1", 0, "at 08:00 on the 1st of the month and on Mondays"},
		{"0 8 1 6 1", 0, "at 08:00 on the 1st of June and on Mondays in June"},
		{"0 8 1-31 * 1", 0, "at 08:00 every day"},
		{"0 8 15 * 1-5", 0, "at 08:00 on the 15th of the month and on Mondays to Fridays"},

		// The publication's days.
		{"0 8 * * *", scheduler.Weekdays, "at 08:00, Monday to Friday"},
		{"0 8 * * *", scheduler.EveryDay, "at 08:00 every day"},
		{"0 8 * * 1,6", scheduler.Weekdays, "at 08:00 on Monday"},
		{"0 8 * * 1#1,6", scheduler.Weekdays, "at 08:00 on the first Monday of the month"},
		{"*/30 9-17 * * *", weekend, "every 30 minutes from 09:00 to 17:30 on Saturday and Sunday"},
		{"0 8 1 * *", scheduler.Weekdays, "at 08:00 on the 1st of the month (only Monday to Friday)"},
		{"0 8 1 * *", weekend, "at 08:00 on the 1st of the month (only on Saturday and Sunday)"},
		{"0 8 1 * 1", scheduler.Weekdays, "at 08:00 on the 1st of the month and on Mondays (only Monday to Friday)"},
		{"0 8 1 * 1", scheduler.DaysOf(time.Monday), "at 08:00 on Monday"},
		{"0 8 * * 1", scheduler.DaysOf(time.Tuesday), "never"},
		{"0 7 * * 1-5; 0 9 * * 0,6", weekend, "at 09:00 on Saturday and Sunday"},
		{"0 8 1,3,4,6,9,11,13 * *", scheduler.Weekdays, `cron "0 8 1,3,4,6,9,11,13 * *" (only Monday to Friday)`},

		// What it cannot say well.
		{"0 8 1,3,4,6,9,11,13 * *", 0, `cron "0 8 1,3,4,6,9,11,13 * *"`},
		{"0 8 1,3,4,6,9,11,13 * *; 0 7 * * *", 0, `cron "0 8 1,3,4,6,9,11,13 * *"; at 07:00 every day`},
	}
	for _, tt := range tests {
		name := tt.spec
		if tt.on != 0 {
			name += " on " + tt.on.String()
		}
		t.Run(name, func(t *testing.T) {
			s, err := scheduler.ParseSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if tt.on != 0 {
				s = s.On(tt.on)
			}
			if got := s.Text(); got != tt.want {
				t.Errorf("Text()=%q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpec_Text_Zero(t *testing.T) {
	if got, want := (scheduler.Spec{}).Text(), "never"; got != want {
		t.Errorf("Text()=%q, want %q", got, want)
	}
}
