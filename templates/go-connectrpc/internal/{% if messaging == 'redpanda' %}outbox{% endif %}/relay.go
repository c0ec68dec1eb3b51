package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"
)

// batchSize bounds the events one round publishes.
const batchSize = 100

// batchTimeout bounds one round, including the batch finished after shutdown begins.
const batchTimeout = 10 * time.Second

// maxBackoff caps the wait between attempts while the broker is down.
const maxBackoff = 10 * time.Second

// Relay publishes stored events to a topic, oldest first, keyed by aggregate id so that one
// aggregate's events stay in order on one partition.
type Relay struct {
	store    Store
	client   *kgo.Client
	topic    string
	interval time.Duration
	logger   *slog.Logger
}

// NewRelay publishes the events in store to topic through client, looking for new events
// every interval while idle.
func NewRelay(store Store, client *kgo.Client, topic string, interval time.Duration, logger *slog.Logger) *Relay {
	return &Relay{store: store, client: client, topic: topic, interval: interval, logger: logger}
}

// Run publishes until ctx ends, then returns once the batch in flight is finished.
func (r *Relay) Run(ctx context.Context) {
	backoff := r.interval
	for {
		published, err := r.publishBatch(ctx)
		wait := r.interval
		switch {
		case err != nil:
			r.logger.WarnContext(ctx, "outbox relay failed; retrying", "error", err.Error(), "retry_in", backoff.String())
			wait, backoff = backoff, min(2*backoff, maxBackoff)
		case published > 0:
			wait, backoff = 0, r.interval // more may be waiting
		default:
			backoff = r.interval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// publishBatch publishes one batch and marks it published once the broker has acknowledged
// every record. The batch is not cut short by ctx's end: shutdown waits for it.
func (r *Relay) publishBatch(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
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
	if err := r.client.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return 0, err
	}
	ids := make([]uuid.UUID, len(events))
	for i, event := range events {
		ids[i] = event.ID
	}
	return len(events), r.store.MarkPublished(ctx, ids)
}
