// Package outbox makes events as durable as the changes they announce: an event is stored with
// its change, in the same transaction, and a Relay publishes stored events to the broker
// afterwards, retrying while the broker is down. Delivery is at least once; consumers
// deduplicate on the event id.
package outbox

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Event is a stored event. Payload is the whole CloudEvent, ready to publish.
type Event struct {
	ID          uuid.UUID
	AggregateID uuid.UUID
	Type        string
	Payload     []byte
	CreatedAt   time.Time
}

// cloudEvent is the CloudEvents 1.0 envelope in structured JSON mode.
type cloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            any       `json:"data"`
}

// NewEvent returns the event of eventType about the aggregate with id, from source, carrying
// data as JSON. The event id is new and time-ordered; it is the CloudEvent's id too.
func NewEvent(source, eventType string, aggregateID uuid.UUID, data any) (Event, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, err
	}
	now := time.Now().UTC()
	payload, err := json.Marshal(cloudEvent{
		SpecVersion: "1.0", ID: id.String(), Source: source, Type: eventType,
		Subject: aggregateID.String(), Time: now, DataContentType: "application/json", Data: data,
	})
	if err != nil {
		return Event{}, err
	}
	return Event{ID: id, AggregateID: aggregateID, Type: eventType, Payload: payload, CreatedAt: now}, nil
}

// Failure is what the broker made of an event it did not acknowledge.
type Failure struct {
	ID    uuid.UUID
	Error string
	// Refused is true when the broker itself turned the event down (it is too large, say), as
	// opposed to the broker being out of reach: only refused events are ever parked.
	Refused bool
}

// Store is where events wait for the relay.
type Store interface {
	// Lead reports whether this replica is the relay now: it holds the relay's lease, taking it
	// when it is free. Only the leader publishes, so replicas never publish the same event at once.
	Lead(ctx context.Context) (bool, error)
	// Resign gives the lease up, for another replica to take.
	Resign(ctx context.Context)
	// Pending returns up to limit events to publish, in the order they were written: neither
	// published nor parked, nor behind an earlier event of their aggregate that failed.
	Pending(ctx context.Context, limit int) ([]Event, error)
	// Settle records a batch's outcome: published were acknowledged by the broker; each failure
	// counts an attempt, and a refused event is parked once it has failed maxAttempts times.
	Settle(ctx context.Context, published []uuid.UUID, failures []Failure, maxAttempts int) error
	// Sweep deletes the events published before cutoff and returns how many.
	Sweep(ctx context.Context, cutoff time.Time) (int64, error)
	// Backlog counts the unpublished events, parked ones included, and returns when the oldest
	// was written (the zero time when there is none).
	Backlog(ctx context.Context) (int64, time.Time, error)
}

// Memory is a Store in process memory, for a service without a database: its events survive
// a broker outage, not a restart. Published events are forgotten at once.
type Memory struct {
	mu       sync.Mutex
	pending  []Event
	attempts map[uuid.UUID]int
	parked   map[uuid.UUID]bool // aggregates whose events wait behind a parked one
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{attempts: map[uuid.UUID]int{}, parked: map[uuid.UUID]bool{}}
}

// Add stores event; the caller holds whatever lock makes it atomic with its change.
func (m *Memory) Add(event Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, event)
}

// Lead implements Store: a process of its own is the only relay of its events.
func (m *Memory) Lead(context.Context) (bool, error) { return true, nil }

// Resign implements Store.
func (m *Memory) Resign(context.Context) {}

// Pending implements Store.
func (m *Memory) Pending(_ context.Context, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var events []Event
	held := map[uuid.UUID]bool{}
	for _, event := range m.pending {
		if len(events) == limit {
			break
		}
		if m.parked[event.AggregateID] || held[event.AggregateID] {
			continue
		}
		if m.attempts[event.ID] > 0 {
			held[event.AggregateID] = true // its aggregate's later events wait for it
		}
		events = append(events, event)
	}
	return events, nil
}

// Settle implements Store.
func (m *Memory) Settle(_ context.Context, published []uuid.UUID, failures []Failure, maxAttempts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, failure := range failures {
		m.attempts[failure.ID]++
		if failure.Refused && m.attempts[failure.ID] >= maxAttempts {
			if i := slices.IndexFunc(m.pending, func(e Event) bool { return e.ID == failure.ID }); i >= 0 {
				m.parked[m.pending[i].AggregateID] = true
			}
		}
	}
	m.pending = slices.DeleteFunc(m.pending, func(e Event) bool { return slices.Contains(published, e.ID) })
	for _, id := range published {
		delete(m.attempts, id)
	}
	return nil
}

// Sweep implements Store: nothing published is kept.
func (m *Memory) Sweep(context.Context, time.Time) (int64, error) { return 0, nil }

// Backlog implements Store.
func (m *Memory) Backlog(context.Context) (int64, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return 0, time.Time{}, nil
	}
	return int64(len(m.pending)), m.pending[0].CreatedAt, nil
}
