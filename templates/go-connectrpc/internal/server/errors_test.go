package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"
)

func TestHiddenErrorsOfACallerThatLeftAreQuiet(t *testing.T) {
	var log bytes.Buffer
	hider := errorHider{slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	err := hider.hide(ctx, "/shop.v1.UserService/GetUser", errors.New("read tcp: use of closed connection"))

	if code := connect.CodeOf(err); code != connect.CodeCanceled {
		t.Errorf("code for a caller that left = %v, want %v", code, connect.CodeCanceled)
	}
	if log.Len() != 0 {
		t.Errorf("a caller that left was logged at info or above: %q", log.String())
	}
}

func TestHiddenErrorsAreLoggedAndAnsweredInternal(t *testing.T) {
	var log bytes.Buffer
	hider := errorHider{slog.New(slog.NewTextHandler(&log, nil))}

	err := hider.hide(t.Context(), "/shop.v1.UserService/GetUser", errors.New("syntax error at or near SELEC"))

	if code := connect.CodeOf(err); code != connect.CodeInternal {
		t.Errorf("code = %v, want %v", code, connect.CodeInternal)
	}
	if strings.Contains(err.Error(), "SELEC") {
		t.Errorf("the answer %q shows the cause", err)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "SELEC") {
		t.Errorf("log = %q, want the cause at ERROR", log.String())
	}
}
