// Command twin is the bare net/http baseline of the go-connectrpc template for bench/load.py:
// the same Go, net/http server settings, pgx, go-redis and golang-jwt versions (go.mod is the
// generated project's, copied at build time), doing only the essential work of three routes.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// requestTimeout is the template's default REQUEST_TIMEOUT, and answerMargin its server's margin
// over it for reading and answering a request.
const (
	requestTimeout = 15 * time.Second
	answerMargin   = 15 * time.Second
)

type twin struct {
	pool   *pgxpool.Pool
	cache  *redis.Client
	secret []byte
	issuer string
}

type item struct {
	SKU            string `json:"sku"`
	Name           string `json:"name"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	LineTotalCents int64  `json:"line_total_cents"`
}

type order struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	Status     string    `json:"status"`
	Currency   string    `json:"currency"`
	Items      []item    `json:"items"`
	TotalCents int64     `json:"total_cents"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The template's default pool: DATABASE_POOL_SIZE connections, 10 when unset.
	poolConfig, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("database", "error", err)
		os.Exit(1)
	}
	poolConfig.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		slog.Error("database", "error", err)
		os.Exit(1)
	}
	defer pool.Close()
	options, err := redis.ParseURL(os.Getenv("CACHE_URL"))
	if err != nil {
		slog.Error("cache", "error", err)
		os.Exit(1)
	}
	t := &twin{pool, redis.NewClient(options), []byte(os.Getenv("JWT_SECRET")), os.Getenv("JWT_ISSUER")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /api/v1/users/me", t.me)
	mux.HandleFunc("POST /api/v1/orders", t.createOrder)
	// The template's server settings: HTTP/1.1 and unencrypted HTTP/2, the same timeouts.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Addr:              net.JoinHostPort("", os.Getenv("APP_PORT")),
		Handler:           mux,
		Protocols:         &protocols,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       requestTimeout + answerMargin,
		WriteTimeout:      requestTimeout + answerMargin,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		slog.Error("serve", "error", err)
		os.Exit(1)
	}
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// caller verifies the HS256 bearer token as the template does and returns its subject.
func (t *twin) caller(r *http.Request) (string, bool) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found {
		return "", false
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithExpirationRequired(),
	)
	return claims.Subject, err == nil
}

func (t *twin) me(w http.ResponseWriter, r *http.Request) {
	subject, ok := t.caller(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	cached, err := t.cache.Get(r.Context(), "user:"+subject).Bytes()
	if err != nil {
		// The bench warms the key first: a miss here is a broken run, not a path to measure.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(cached)
}

func (t *twin) createOrder(w http.ResponseWriter, r *http.Request) {
	subject, ok := t.caller(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var body order
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Items) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	now := time.Now().UTC()
	created := order{ID: uuid.Must(uuid.NewV7()).String(), UserID: subject, Status: "pending",
		Currency: body.Currency, Items: body.Items, CreatedAt: now, UpdatedAt: now}
	for i := range created.Items {
		created.Items[i].LineTotalCents = created.Items[i].Quantity * created.Items[i].UnitPriceCents
		created.TotalCents += created.Items[i].LineTotalCents
	}
	payload, _ := json.Marshal(created)
	if err := t.insert(r.Context(), created, payload); err != nil {
		slog.Error("insert", "error", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/orders/"+created.ID)
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(payload)
}

// insert writes the order, its items and its outbox row in one transaction, batched in one round trip.
func (t *twin) insert(ctx context.Context, o order, payload []byte) error {
	return pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`INSERT INTO orders (id, user_id, status, currency, total_cents, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, o.ID, o.UserID, o.Status, o.Currency, o.TotalCents, o.CreatedAt)
		for i, it := range o.Items {
			batch.Queue(`INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_cents,
				line_total_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				o.ID, i+1, it.SKU, it.Name, it.Quantity, it.UnitPriceCents, it.LineTotalCents)
		}
		batch.Queue(`INSERT INTO outbox (id, aggregate_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
			uuid.Must(uuid.NewV7()).String(), o.ID, "order.created", payload, o.CreatedAt)
		return tx.SendBatch(ctx, batch).Close()
	})
}
