package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// gcPercent replaces Go's default of 100: the engine's live heap is small and its garbage large, so the
// collector at 100 % runs twice as often for nothing (docs/performance.md). GOGC, when set, wins.
const gcPercent = 400

// sampleInterval is how often the watchdog reads the heap during an evaluation: a hostile comprehension
// allocates a few hundred MB per second, so the overshoot past the limit stays small.
const sampleInterval = 10 * time.Millisecond

// CodeMemoryLimit is the error code of an evaluation the watchdog stopped.
const CodeMemoryLimit = "eval_memory_limit_error"

var errMemoryLimit = errors.New("memory limit")

// memoryLimit is the heap, in bytes, an evaluation may hold; 0 until bp_configure sets one.
var memoryLimit atomic.Int64

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// Settings are what bp_configure takes: {"memory_limit": bytes}.
type Settings struct {
	MemoryLimit int64 `json:"memory_limit"`
}

// configure applies the settings: the Go runtime collects harder as its memory nears the limit (a soft
// limit: GOGC=400 must not grow the heap past the run's bound), and the watchdog stops an evaluation
// whose live heap passes it. GOMEMLIMIT, when set, wins for the soft limit.
func configure(s Settings) {
	if s.MemoryLimit <= 0 {
		memoryLimit.Store(0)
		return
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(s.MemoryLimit)
	}
	memoryLimit.Store(s.MemoryLimit)
}

// watchdog samples the heap while a batch is evaluated and cancels the evaluation in progress when what
// is live passes the limit; OPA checks its context at every step and in long builtins (numbers.range).
type watchdog struct {
	limit  uint64
	mu     sync.Mutex
	cancel context.CancelCauseFunc
	input  uint64 // counts the inputs, so a cancel meant for one never reaches the next
	done   chan struct{}
	peak   atomic.Uint64 // the live heap that stopped the last evaluation
}

// startWatchdog returns nil when no limit is configured; a nil watchdog gives plain contexts.
func startWatchdog() *watchdog {
	limit := memoryLimit.Load()
	if limit <= 0 {
		return nil
	}
	w := &watchdog{limit: uint64(limit), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *watchdog) run() {
	ticker := time.NewTicker(sampleInterval)
	defer ticker.Stop()
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for {
		select {
		case <-w.done:
			return
		case <-ticker.C:
		}
		metrics.Read(heap)
		if heap[0].Value.Uint64() <= w.limit {
			continue
		}
		// That number counts garbage not yet collected: collect, and stop only when what is live is over.
		w.mu.Lock()
		input := w.input
		w.mu.Unlock()
		runtime.GC()
		metrics.Read(live)
		if used := live[0].Value.Uint64(); used > w.limit {
			w.mu.Lock()
			if w.cancel != nil && w.input == input {
				w.peak.Store(used)
				w.cancel(errMemoryLimit)
			}
			w.mu.Unlock()
		}
	}
}

// context is the context of one input's evaluation; release it when that evaluation returns.
func (w *watchdog) context() (context.Context, func()) {
	if w == nil {
		return context.Background(), func() {}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	w.mu.Lock()
	w.cancel = cancel
	w.input++
	w.mu.Unlock()
	return ctx, func() {
		w.mu.Lock()
		w.cancel = nil
		w.mu.Unlock()
		cancel(nil)
	}
}

// stopped is the error of an evaluation the watchdog cancelled, or nil when it did not.
func (w *watchdog) stopped(ctx context.Context) *Error {
	if w == nil || !errors.Is(context.Cause(ctx), errMemoryLimit) {
		return nil
	}
	// What the stopped evaluation built is garbage now: give it back before the next input.
	debug.FreeOSMemory()
	return &Error{
		Code: CodeMemoryLimit,
		Message: fmt.Sprintf("the evaluation was stopped: its live heap reached %d MiB, over the embedded engine's memory limit of %d MiB",
			w.peak.Load()>>20, w.limit>>20),
	}
}

func (w *watchdog) stop() {
	if w != nil {
		close(w.done)
	}
}
