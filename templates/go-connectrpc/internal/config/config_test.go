package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func lookupFrom(vars map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(lookupFrom(nil))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	want := Config{Port: 8080, LogLevel: slog.LevelInfo, ShutdownTimeout: 20 * time.Second}
	if cfg != want {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestLoadReadsTheEnvironment(t *testing.T) {
	cfg, err := Load(lookupFrom(map[string]string{"APP_PORT": "9090", "LOG_LEVEL": "debug", "SHUTDOWN_TIMEOUT": "5s"}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	want := Config{Port: 9090, LogLevel: slog.LevelDebug, ShutdownTimeout: 5 * time.Second}
	if cfg != want {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestLoadRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"APP_PORT", "eighty"},
		{"APP_PORT", "70000"},
		{"LOG_LEVEL", "loud"},
		{"SHUTDOWN_TIMEOUT", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := Load(lookupFrom(map[string]string{tt.name: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("Load() error = %v, want one naming %s", err, tt.name)
			}
		})
	}
}
