package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestNewEventIsACloudEvent(t *testing.T) {
	aggregate := uuid.New()

	event, err := NewEvent("/shop/orders", "order.created", aggregate, map[string]int{"total_cents": 5})
	if err != nil {
		t.Fatal(err)
	}

	var envelope map[string]any
	if err := json.Unmarshal(event.Payload, &envelope); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"specversion": "1.0", "id": event.ID.String(), "source": "/shop/orders", "type": "order.created",
		"subject": aggregate.String(), "datacontenttype": "application/json",
	}
	for key, value := range want {
		if envelope[key] != value {
			t.Errorf("%s = %v, want %v", key, envelope[key], value)
		}
	}
	if data, _ := envelope["data"].(map[string]any); data["total_cents"] != 5.0 {
		t.Errorf("data = %v, want the payload", envelope["data"])
	}
}

func TestMemoryForgetsPublishedEvents(t *testing.T) {
	store := NewMemory()
	first, _ := NewEvent("/s", "t", uuid.New(), nil)
	second, _ := NewEvent("/s", "t", uuid.New(), nil)
	store.Add(first)
	store.Add(second)

	if err := store.Settle(t.Context(), []uuid.UUID{first.ID}, nil, 10); err != nil {
		t.Fatal(err)
	}

	pending, _ := store.Pending(t.Context(), 10)
	if len(pending) != 1 || pending[0].ID != second.ID {
		t.Errorf("Pending() = %v, want only the unpublished event", pending)
	}
}

func TestSettleHoldsBackAnAggregatesEventsAfterOneFailed(t *testing.T) {
	order, other := uuid.New(), uuid.New()
	created, _ := NewEvent("/s", "order.created", order, nil)
	changed, _ := NewEvent("/s", "order.status_changed", order, nil)
	unrelated, _ := NewEvent("/s", "order.created", other, nil)
	tooLarge := kerr.MessageTooLarge

	published, failures := settle([]Event{created, changed, unrelated}, []error{tooLarge, tooLarge, nil})

	if len(published) != 1 || published[0] != unrelated.ID {
		t.Errorf("published = %v, want only the other order's event %v", published, unrelated.ID)
	}
	if len(failures) != 1 || failures[0].ID != created.ID || !failures[0].Refused || failures[0].Error == "" {
		t.Errorf("failures = %+v, want the refused created event with its error, and not the event behind it", failures)
	}
	if _, failures := settle([]Event{unrelated}, []error{context.DeadlineExceeded}); failures[0].Refused {
		t.Error("an unreachable broker is not a refusal: such events are never parked")
	}
}

func TestRecordErrorsFollowTheRecordsNotTheOrderResultsArrive(t *testing.T) {
	records := []*kgo.Record{{Value: []byte("a")}, {Value: []byte("b")}, {Value: []byte("c")}}
	results := kgo.ProduceResults{{Record: records[2]}, {Record: records[0], Err: kerr.MessageTooLarge}, {Record: records[1]}}

	errs := recordErrors(records, results)

	if errs[0] != kerr.MessageTooLarge || errs[1] != nil || errs[2] != nil {
		t.Errorf("recordErrors() = %v, want the refusal on the first record only", errs)
	}
}

func TestMemoryParksARefusedEventAndHoldsItsAggregateBack(t *testing.T) {
	store := NewMemory()
	order := uuid.New()
	poison, _ := NewEvent("/s", "order.created", order, nil)
	later, _ := NewEvent("/s", "order.status_changed", order, nil)
	other, _ := NewEvent("/s", "order.created", uuid.New(), nil)
	store.Add(poison)
	store.Add(later)
	store.Add(other)
	refusal := []Failure{{ID: poison.ID, Error: "MESSAGE_TOO_LARGE", Refused: true}}

	if pending, _ := store.Pending(t.Context(), 10); len(pending) != 3 {
		t.Fatalf("Pending() before any failure = %v, want all three", pending)
	}
	_ = store.Settle(t.Context(), nil, refusal, 2)
	if pending, _ := store.Pending(t.Context(), 10); len(pending) != 2 || pending[0].ID != poison.ID || pending[1].ID != other.ID {
		t.Errorf("Pending() after one failure = %v, want the poison event retried before its order's later one", pending)
	}
	_ = store.Settle(t.Context(), nil, refusal, 2)
	pending, _ := store.Pending(t.Context(), 10)
	if len(pending) != 1 || pending[0].ID != other.ID {
		t.Errorf("Pending() once parked = %v, want only the other order's event", pending)
	}
	if count, oldest, _ := store.Backlog(t.Context()); count != 3 || !oldest.Equal(poison.CreatedAt) {
		t.Errorf("Backlog() = %d, %v; want 3 since the parked event", count, oldest)
	}
}

func TestRelayPublishesKeyedCloudEventsToTheBroker(t *testing.T) {
	brokers := os.Getenv("KAFKA_BROKERS")
	if brokers == "" {
		t.Skip("KAFKA_BROKERS is not set: skipping the tests that need a real Kafka broker")
	}
	topic := "orders.events"
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	store := NewMemory()
	event, _ := NewEvent("/test/orders", "order.created", uuid.New(), map[string]string{"note": "relay test"})
	store.Add(event)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		policy := Policy{Interval: 50 * time.Millisecond, MaxAttempts: 10, Retention: time.Hour}
		NewRelay(store, client, topic, policy, slog.New(slog.DiscardHandler)).Run(ctx)
	}()

	deadline := time.Now().Add(20 * time.Second)
	for pending, _ := store.Pending(t.Context(), 1); len(pending) > 0 && time.Now().Before(deadline); pending, _ = store.Pending(t.Context(), 1) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done

	record := consume(t, brokers, topic, event.AggregateID.String())
	if string(record.Value) != string(event.Payload) {
		t.Errorf("record value = %s, want the event's CloudEvent", record.Value)
	}
	if len(record.Headers) != 1 || record.Headers[0].Key != "content-type" || string(record.Headers[0].Value) != "application/cloudevents+json" {
		t.Errorf("record headers = %v, want the CloudEvents content type", record.Headers)
	}
}

func TestARefusedRecordDoesNotTakeItsBatchDownWithIt(t *testing.T) {
	brokers := os.Getenv("KAFKA_BROKERS")
	if brokers == "" {
		t.Skip("KAFKA_BROKERS is not set: skipping the tests that need a real Kafka broker")
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close) // after the topic's own clean-up, which needs it
	// One partition, so the three records share batches; the broker refuses a batch over 2000 bytes.
	topic := createTopic(t, client, map[string]string{"max.message.bytes": "2000"})
	noise := make([]byte, 10_000)
	_, _ = rand.Read(noise) // random hex: no codec shrinks it under the limit
	store := NewMemory()
	first, _ := NewEvent("/test/orders", "order.created", uuid.New(), nil)
	poison, _ := NewEvent("/test/orders", "order.created", uuid.New(), map[string]string{"note": hex.EncodeToString(noise)})
	second, _ := NewEvent("/test/orders", "order.created", uuid.New(), nil)
	for _, event := range []Event{first, poison, second} {
		store.Add(event)
	}
	policy := Policy{Interval: time.Second, MaxAttempts: 1, Retention: time.Hour}

	published, err := NewRelay(store, client, topic, policy, slog.New(slog.DiscardHandler)).publishBatch(t.Context())

	if published != 2 || err == nil || !strings.Contains(err.Error(), "MESSAGE_TOO_LARGE") {
		t.Errorf("publishBatch() = %d, %v; want both small events published and the large one refused", published, err)
	}
	if pending, _ := store.Pending(t.Context(), 10); len(pending) != 0 {
		t.Errorf("Pending() = %v, want nothing: the small events published, the large one parked", pending)
	}
}

// createTopic creates a topic of one partition with configs for this test, deleted after it.
func createTopic(t *testing.T, client *kgo.Client, configs map[string]string) string {
	t.Helper()
	topic := kmsg.NewCreateTopicsRequestTopic()
	topic.Topic, topic.NumPartitions, topic.ReplicationFactor = "outbox-test-"+uuid.NewString(), 1, 1
	for name, value := range configs {
		config := kmsg.NewCreateTopicsRequestTopicConfig()
		config.Name, config.Value = name, kmsg.StringPtr(value)
		topic.Configs = append(topic.Configs, config)
	}
	create := kmsg.NewPtrCreateTopicsRequest()
	create.TimeoutMillis = 10_000
	create.Topics = append(create.Topics, topic)
	created, err := create.RequestWith(t.Context(), client)
	if err == nil {
		err = kerr.ErrorForCode(created.Topics[0].ErrorCode)
	}
	if err != nil {
		t.Fatalf("creating topic %s: %v", topic.Topic, err)
	}
	t.Cleanup(func() {
		named := kmsg.NewDeleteTopicsRequestTopic()
		named.Topic = kmsg.StringPtr(topic.Topic)
		remove := kmsg.NewPtrDeleteTopicsRequest()
		remove.TimeoutMillis = 10_000
		remove.TopicNames, remove.Topics = []string{topic.Topic}, []kmsg.DeleteTopicsRequestTopic{named} // old and new versions
		_, _ = remove.RequestWith(context.Background(), client)
	})
	return topic.Topic
}

// consume reads topic from its start until a record with key arrives.
func consume(t *testing.T, brokers, topic, key string) *kgo.Record {
	t.Helper()
	consumer, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		var found *kgo.Record
		consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			if string(r.Key) == key {
				found = r
			}
		})
		if found != nil {
			return found
		}
	}
	t.Fatalf("no record with key %s on %s", key, topic)
	return nil
}
