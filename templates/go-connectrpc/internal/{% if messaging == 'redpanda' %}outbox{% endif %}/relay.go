package outbox

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// batchSize bounds the events one round publishes, all of them in flight at once.
const batchSize = 500

// batchTimeout bounds one round, including the batch finished after shutdown begins.
const batchTimeout = 10 * time.Second

// maxBackoff caps the wait between attempts while the broker is down.
const maxBackoff = 10 * time.Second

// sweepInterval is how often the leader deletes published events past the retention.
const sweepInterval = time.Hour

// maxErrorLength bounds the broker error kept on a failed event.
const maxErrorLength = 500

// Policy is how the relay paces itself and gives up on an event.
type Policy struct {
	// Interval is how often an idle relay, or one waiting for the lease, looks again.
	Interval time.Duration
	// MaxAttempts is how many times the broker may refuse an event before it is parked.
	MaxAttempts int
	// Retention is how long a published event is kept.
	Retention time.Duration
}

// Relay publishes stored events to a topic in the order they were written, keyed by aggregate
// id so that one aggregate's events stay in order on one partition.
type Relay struct {
	store   Store
	client  *kgo.Client
	topic   string
	policy  Policy
	logger  *slog.Logger
	leading bool
	swept   time.Time
}

// NewRelay publishes the events in store to topic through client, under policy.
func NewRelay(store Store, client *kgo.Client, topic string, policy Policy, logger *slog.Logger) *Relay {
	return &Relay{store: store, client: client, topic: topic, policy: policy, logger: logger}
}

// Run publishes while this replica holds the lease, until ctx ends; then it finishes the batch
// in flight and gives the lease up.
func (r *Relay) Run(ctx context.Context) {
	defer r.store.Resign(context.WithoutCancel(ctx))
	backoff := r.policy.Interval
	for {
		published, err := r.round(ctx)
		wait := r.policy.Interval
		switch {
		case err != nil:
			r.logger.WarnContext(ctx, "outbox relay failed; retrying", "error", err.Error(), "retry_in", backoff.String())
			wait, backoff = backoff, min(2*backoff, maxBackoff)
		case published > 0:
			wait, backoff = 0, r.policy.Interval // more may be waiting
		default:
			backoff = r.policy.Interval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// round takes or keeps the lease and, holding it, sweeps when due and publishes one batch. It
// is not cut short by ctx's end: shutdown waits for it.
func (r *Relay) round(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	leading, err := r.store.Lead(ctx)
	if leading != r.leading {
		r.leading = leading
		r.logger.InfoContext(ctx, "outbox relay lease changed", "leading", leading)
	}
	if err != nil || !leading {
		return 0, err
	}
	if time.Since(r.swept) >= sweepInterval {
		deleted, err := r.store.Sweep(ctx, time.Now().Add(-r.policy.Retention))
		if err != nil {
			return 0, err
		}
		r.swept = time.Now()
		r.logger.InfoContext(ctx, "outbox swept", "deleted", deleted)
	}
	return r.publishBatch(ctx)
}

// publishBatch produces one batch, every record in flight at once, and settles it: what the
// broker acknowledged is published, the rest counts an attempt.
func (r *Relay) publishBatch(ctx context.Context) (int, error) {
	events, err := r.store.Pending(ctx, batchSize)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	records := make([]*kgo.Record, len(events))
	for i, event := range events {
		records[i] = &kgo.Record{
			Topic:   r.topic,
			Key:     []byte(event.AggregateID.String()),
			Value:   event.Payload,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte("application/cloudevents+json")}},
		}
	}
	errs := recordErrors(records, r.client.ProduceSync(ctx, records...))
	r.resendAlone(ctx, events, records, errs)
	published, failures := settle(events, errs)
	if err := r.store.Settle(ctx, published, failures, r.policy.MaxAttempts); err != nil {
		return 0, err
	}
	if len(failures) > 0 {
		return len(published), errors.New("broker: " + failures[0].Error)
	}
	return len(published), nil
}

// resendAlone sends each refused record again in a batch of its own, updating errs: the broker
// refuses a whole batch for one record over the topic's limit, and the records that shared it
// must not be counted, or parked, for that. A record whose aggregate already failed is not sent:
// it has to wait behind that one anyway.
func (r *Relay) resendAlone(ctx context.Context, events []Event, records []*kgo.Record, errs []error) {
	failed := map[uuid.UUID]bool{}
	for i, err := range errs {
		if refused(err) && !failed[events[i].AggregateID] {
			errs[i] = r.client.ProduceSync(ctx, records[i]).FirstErr()
		}
		if errs[i] != nil {
			failed[events[i].AggregateID] = true
		}
	}
}

// recordErrors is the broker's answer to each of records, in their order. ProduceSync lists its
// results as they complete, and a batch spans partitions that answer in any order.
func recordErrors(records []*kgo.Record, results kgo.ProduceResults) []error {
	index := make(map[*kgo.Record]int, len(records))
	for i, record := range records {
		index[record] = i
	}
	errs := make([]error, len(records))
	for _, result := range results {
		errs[index[result.Record]] = result.Err
	}
	return errs
}

// settle splits a batch by the broker's answer to each record (errs[i] for events[i]). An event
// behind an earlier failed event of its aggregate is neither published nor counted as failed,
// whatever the broker said: it is sent again after that one, so consumers see the aggregate's
// events in order at least once, and only the event that failed can be parked.
func settle(events []Event, errs []error) ([]uuid.UUID, []Failure) {
	var published []uuid.UUID
	var failures []Failure
	failed := map[uuid.UUID]bool{}
	for i, event := range events {
		switch {
		case failed[event.AggregateID]:
		case errs[i] != nil:
			failed[event.AggregateID] = true
			failures = append(failures, Failure{ID: event.ID, Error: short(errs[i].Error()), Refused: refused(errs[i])})
		default:
			published = append(published, event.ID)
		}
	}
	return published, failures
}

// refused reports whether the broker turned the record down (franz-go reports a record over
// the client's own limit as the broker's MESSAGE_TOO_LARGE too), rather than being out of reach.
func refused(err error) bool {
	var brokerError *kerr.Error
	return errors.As(err, &brokerError)
}

func short(message string) string {
	if len(message) > maxErrorLength {
		return strings.ToValidUTF8(message[:maxErrorLength], "")
	}
	return message
}
