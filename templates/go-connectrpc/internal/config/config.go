// Package config reads the service's settings from the environment, once, at start-up.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting the service reads.
type Config struct {
	// Port is the HTTP port to listen on (APP_PORT, default 8080); 0 picks a free port.
	Port int
	// LogLevel is the minimum level logged (LOG_LEVEL, default info).
	LogLevel slog.Level
	// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM (SHUTDOWN_TIMEOUT, default 20s).
	ShutdownTimeout time.Duration
}

// LookupFunc reads one variable; os.LookupEnv is the usual one.
type LookupFunc func(name string) (string, bool)

// Load reads the settings through lookup and reports every invalid variable at once.
func Load(lookup LookupFunc) (Config, error) {
	cfg := Config{Port: 8080, LogLevel: slog.LevelInfo, ShutdownTimeout: 20 * time.Second}
	var errs []error
	if raw, ok := lookup("APP_PORT"); ok {
		port, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || port < 0 || port > 65535 {
			errs = append(errs, fmt.Errorf("APP_PORT must be a port number between 0 and 65535, got %q", raw))
		}
		cfg.Port = port
	}
	if raw, ok := lookup("LOG_LEVEL"); ok {
		if err := cfg.LogLevel.UnmarshalText([]byte(strings.TrimSpace(raw))); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL must be one of debug, info, warn, error, got %q", raw))
		}
	}
	if raw, ok := lookup("SHUTDOWN_TIMEOUT"); ok {
		timeout, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil || timeout <= 0 {
			errs = append(errs, fmt.Errorf("SHUTDOWN_TIMEOUT must be a positive duration such as 20s, got %q", raw))
		}
		cfg.ShutdownTimeout = timeout
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}
