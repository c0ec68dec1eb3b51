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

// Store is where events wait for the relay.
type Store interface {
	// Pending returns up to limit unpublished events, oldest first.
	Pending(ctx context.Context, limit int) ([]Event, error)
	// MarkPublished records that the broker acknowledged the events with ids.
	MarkPublished(ctx context.Context, ids []uuid.UUID) error
}

// Memory is a Store in process memory, for a service without a database: its events survive
// a broker outage, not a restart.
type Memory struct {
	mu      sync.Mutex
	pending []Event
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{}
}

// Add stores event; the caller holds whatever lock makes it atomic with its change.
func (m *Memory) Add(event Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, event)
}

// Pending implements Store.
func (m *Memory) Pending(_ context.Context, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.pending[:min(limit, len(m.pending))]), nil
}

// MarkPublished implements Store: published events are forgotten.
func (m *Memory) MarkPublished(_ context.Context, ids []uuid.UUID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = slices.DeleteFunc(m.pending, func(e Event) bool { return slices.Contains(ids, e.ID) })
	return nil
}
