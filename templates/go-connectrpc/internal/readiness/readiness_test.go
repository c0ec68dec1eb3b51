package readiness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func checker(checks ...Check) *Checker {
	return NewChecker(slog.New(slog.DiscardHandler), 50*time.Millisecond, 0, checks...)
}

func passing(context.Context) error { return nil }

func TestAllChecksPassing(t *testing.T) {
	report := checker(Check{"database", passing}, Check{"cache", passing}).Check(t.Context())

	want := Report{Status: "ready", Checks: map[string]string{"database": "ok", "cache": "ok"}}
	if !reflect.DeepEqual(report, want) || !report.Ready() {
		t.Errorf("Check() = %+v, want %+v", report, want)
	}
}

func TestNoChecksIsReadyWithAnEmptyList(t *testing.T) {
	report := checker().Check(t.Context())

	if !report.Ready() || report.Checks == nil || len(report.Checks) != 0 {
		t.Errorf("Check() = %#v, want ready with an empty, non-nil checks map", report)
	}
}

func TestAFailingCheckIsNamedWithAFixedReason(t *testing.T) {
	refused := func(context.Context) error {
		return fmt.Errorf("dial tcp 10.0.0.1:5432: %w", fmt.Errorf("connect: %w", syscall.ECONNREFUSED))
	}

	report := checker(Check{"database", refused}, Check{"cache", passing}).Check(t.Context())

	want := Report{Status: "unavailable", Checks: map[string]string{
		"database": "error: connection refused",
		"cache":    "ok",
	}}
	if !reflect.DeepEqual(report, want) || report.Ready() {
		t.Errorf("Check() = %+v, want %+v", report, want)
	}
}

func TestASlowCheckTimesOut(t *testing.T) {
	hanging := func(ctx context.Context) error {
		<-ctx.Done()
		return errors.New("gave up")
	}
	started := time.Now()

	report := checker(Check{"broker", hanging}).Check(t.Context())

	if report.Checks["broker"] != "error: timeout" {
		t.Errorf("broker = %q, want timeout", report.Checks["broker"])
	}
	if elapsed := time.Since(started); elapsed > time.Second {
		t.Errorf("Check() took %v, want about the 50ms timeout", elapsed)
	}
}

// sqlError stands for a driver error that carries an SQLSTATE, as pgconn.PgError does.
type sqlError string

func (e sqlError) Error() string {
	return "FATAL: password authentication failed for user \"app\" (SQLSTATE " + string(e) + ")"
}

func (e sqlError) SQLState() string { return string(e) }

func TestAReasonNeverCarriesTheErrorsOwnText(t *testing.T) {
	failing := func(err error) Probe { return func(context.Context) error { return err } }
	report := checker(
		Check{"database", failing(fmt.Errorf("connect to app@10.0.0.1: %w", sqlError("28P01")))},
		Check{"cache", failing(errors.New("WRONGPASS invalid username-password pair"))},
		Check{"broker", failing(errors.New("unable to dial 10.0.0.1:9092: no such host"))},
	).Check(t.Context())

	want := map[string]string{
		"database": "error: authentication failed",
		"cache":    "error: authentication failed",
		"broker":   "error: unavailable",
	}
	if !reflect.DeepEqual(report.Checks, want) {
		t.Errorf("Check() = %v, want %v", report.Checks, want)
	}
}

func TestDrainingIsUnavailableWithoutProbing(t *testing.T) {
	probed := false
	c := checker(Check{"database", func(context.Context) error { probed = true; return nil }})

	c.Drain()
	report := c.Check(t.Context())

	want := Report{Status: "unavailable", Checks: map[string]string{"database": "error: shutting down"}}
	if !reflect.DeepEqual(report, want) || probed {
		t.Errorf("Check() = %+v (probed %v), want %+v without probing", report, probed, want)
	}
}

// counting is a passing probe that counts its calls, each taking delay.
func counting(calls *atomic.Int32, delay time.Duration) Probe {
	return func(context.Context) error {
		calls.Add(1)
		time.Sleep(delay)
		return nil
	}
}

func TestAReportAnswersForItsMaxAge(t *testing.T) {
	var calls atomic.Int32
	c := NewChecker(slog.New(slog.DiscardHandler), 50*time.Millisecond, 200*time.Millisecond, Check{"database", counting(&calls, 0)})

	c.Check(t.Context())
	c.Check(t.Context())
	if got := calls.Load(); got != 1 {
		t.Fatalf("two reports within the max age probed %d times, want 1", got)
	}
	time.Sleep(250 * time.Millisecond)
	c.Check(t.Context())
	if got := calls.Load(); got != 2 {
		t.Errorf("a report after the max age probed %d times in all, want 2", got)
	}
}

func TestConcurrentCallersShareOneRoundOfProbes(t *testing.T) {
	var calls atomic.Int32
	c := NewChecker(slog.New(slog.DiscardHandler), time.Second, time.Second, Check{"database", counting(&calls, 50*time.Millisecond)})

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if report := c.Check(t.Context()); !report.Ready() {
				t.Errorf("Check() = %+v, want ready", report)
			}
		})
	}
	wg.Wait()

	if got := calls.Load(); got != 1 {
		t.Errorf("20 concurrent callers probed %d times, want 1", got)
	}
}

func TestACallerLeavingDoesNotCutTheSharedProbeShort(t *testing.T) {
	c := NewChecker(slog.New(slog.DiscardHandler), time.Second, time.Second, Check{"database", func(ctx context.Context) error {
		select {
		case <-time.After(50 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(10*time.Millisecond, cancel)

	c.Check(ctx)

	if report := c.Check(t.Context()); !report.Ready() {
		t.Errorf("the report after a caller left = %+v, want ready", report)
	}
}

func TestDrainingIsImmediateEvenWithAFreshReport(t *testing.T) {
	c := NewChecker(slog.New(slog.DiscardHandler), time.Second, time.Hour, Check{"database", passing})
	if !c.Check(t.Context()).Ready() {
		t.Fatal("not ready before draining")
	}

	c.Drain()

	if report := c.Check(t.Context()); report.Ready() {
		t.Errorf("Check() after Drain = %+v, want unavailable at once", report)
	}
}
