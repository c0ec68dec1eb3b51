// Package orders keeps the shop's orders, priced by the server, and serves the OrderService RPCs.
package orders

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// The errors a Repository reports.
var (
	// ErrNotFound is the answer for an unknown order.
	ErrNotFound = errors.New("orders: no such order")
	// ErrUnknownUser is the answer for an order whose user does not exist (any more).
	ErrUnknownUser = errors.New("orders: the order's user does not exist")
)

// Status is where an order stands in its lifecycle.
type Status string

// The statuses of the lifecycle: pending → paid → shipped → delivered, and cancelled from
// pending or paid.
const (
	Pending   Status = "pending"
	Paid      Status = "paid"
	Shipped   Status = "shipped"
	Delivered Status = "delivered"
	Cancelled Status = "cancelled"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{Pending, Paid, Shipped, Delivered, Cancelled}

var transitions = map[Status][]Status{
	Pending: {Paid, Cancelled},
	Paid:    {Shipped, Cancelled},
	Shipped: {Delivered},
}

// CanMove reports whether the lifecycle allows going from one status to another.
func CanMove(from, to Status) bool {
	for _, next := range transitions[from] {
		if next == to {
			return true
		}
	}
	return false
}

// Item is one priced line of an order.
type Item struct {
	SKU            string `json:"sku"`
	Name           string `json:"name"`
	Quantity       int32  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	LineTotalCents int64  `json:"line_total_cents"`
}

// Order is a user's order. Its JSON form is the API's order representation.
type Order struct {
	ID         uuid.UUID `json:"id"`
	UserID     uuid.UUID `json:"user_id"`
	Status     Status    `json:"status"`
	Currency   string    `json:"currency"`
	Items      []Item    `json:"items"`
	TotalCents int64     `json:"total_cents"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// New returns a pending order placed now by userID, with every total computed here: totals a
// client sends are never trusted.
func New(userID uuid.UUID, currency string, items []Item) (Order, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Order{}, err
	}
	now := Now()
	order := Order{ID: id, UserID: userID, Status: Pending, Currency: currency, CreatedAt: now, UpdatedAt: now}
	for _, item := range items {
		item.LineTotalCents = int64(item.Quantity) * item.UnitPriceCents
		order.TotalCents += item.LineTotalCents
		order.Items = append(order.Items, item)
	}
	return order, nil
}

// Now is the current time as the database stores it: UTC, whole microseconds.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Repository stores orders with their items.
type Repository interface {
	// Create stores a new order and its items atomically; ErrUnknownUser when its user is gone.
	Create(ctx context.Context, order Order) error
	// Get returns the order with id; ErrNotFound when there is none.
	Get(ctx context.Context, id uuid.UUID) (Order, error)
	// ListByUser returns a page of userID's orders, newest first, and how many they have.
	ListByUser(ctx context.Context, userID uuid.UUID, limit, offset int) ([]Order, int, error)
	// UpdateStatus stores order's new status, which was previous; ErrNotFound when the order is gone.
	UpdateStatus(ctx context.Context, order Order, previous Status) error
}
