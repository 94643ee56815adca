// Command native is boundary-policy's embedded Rego engine: OPA's Go library (the version Gatekeeper
// ships) behind a small C ABI, built with -buildmode=c-shared and loaded from Python with ctypes.
//
// Every call takes and returns JSON. Returned strings are allocated with malloc and must be released
// with bp_free. A policy is an opaque handle (runtime/cgo.Handle) released with bp_close.
package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/version"
)

func main() {}

// reply encodes v as JSON in C memory; a value that cannot be encoded becomes an error reply.
func reply(v any) *C.char {
	out, err := json.Marshal(v)
	if err != nil {
		out, _ = json.Marshal(map[string]any{"errors": []Error{{Code: "internal_error", Message: err.Error()}}})
	}
	return C.CString(string(out))
}

// bytesOf copies a buffer passed from C; cgo counts lengths in C int, so larger buffers are refused.
func bytesOf(p *C.char, length C.size_t) []byte {
	if length > math.MaxInt32 {
		panic(fmt.Sprintf("request of %d bytes is larger than 2 GiB", uint64(length)))
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(length))
}

// guard turns a Go panic into an error reply, so a bad template or input cannot take Python down.
func guard(out **C.char) {
	if r := recover(); r != nil {
		*out = reply(map[string]any{"errors": []Error{{Code: "internal_error", Message: fmt.Sprintf("panic: %v", r)}}})
	}
}

//export bp_version
func bp_version() (out *C.char) {
	defer guard(&out)
	return reply(map[string]any{
		"opa":               version.Version,
		"go":                runtime.Version(),
		"disabled_builtins": DisabledBuiltins,
	})
}

// bp_compile takes {"modules": [{"name", "source"}], "data": {...}, "rego_version": "v0"|"v1"} and
// returns {"policy": handle} or {"errors": [...]}.
//
//export bp_compile
func bp_compile(request *C.char, length C.size_t) (out *C.char) {
	defer guard(&out)
	var req CompileRequest
	if err := json.Unmarshal(bytesOf(request, length), &req); err != nil {
		return reply(map[string]any{"errors": []Error{{Code: "invalid_request", Message: err.Error()}}})
	}
	policy, errs := compile(req)
	if errs != nil {
		return reply(map[string]any{"errors": errs})
	}
	return reply(map[string]any{"policy": uint64(cgo.NewHandle(policy))})
}

// bp_eval evaluates `query` once per element of the JSON array `inputs` and returns
// {"results": [{"bindings": {...}} | {} | {"errors": [...]}, ...]} in input order.
//
//export bp_eval
func bp_eval(policy C.uintptr_t, query *C.char, queryLength C.size_t, inputs *C.char, inputsLength C.size_t) (out *C.char) {
	defer guard(&out)
	p, ok := cgo.Handle(policy).Value().(*Policy)
	if !ok {
		return reply(map[string]any{"errors": []Error{{Code: "invalid_request", Message: "not a policy handle"}}})
	}
	results, errs := p.evaluate(string(bytesOf(query, queryLength)), bytesOf(inputs, inputsLength))
	if errs != nil {
		return reply(map[string]any{"errors": errs})
	}
	return reply(map[string]any{"results": results})
}

// bp_configure takes {"memory_limit": bytes} (0: none) and returns {} or {"errors": [...]}. The limit
// bounds the Go runtime's memory (softly) and the live heap of each evaluation (the watchdog).
//
//export bp_configure
func bp_configure(request *C.char, length C.size_t) (out *C.char) {
	defer guard(&out)
	var settings Settings
	if err := json.Unmarshal(bytesOf(request, length), &settings); err != nil {
		return reply(map[string]any{"errors": []Error{{Code: "invalid_request", Message: err.Error()}}})
	}
	configure(settings)
	return reply(map[string]any{})
}

// bp_stats returns what the policy shares across inputs (fold.go): {"shared", "constants", "functions",
// "calls", "hits"}.
//
//export bp_stats
func bp_stats(policy C.uintptr_t) (out *C.char) {
	defer guard(&out)
	p, ok := cgo.Handle(policy).Value().(*Policy)
	if !ok {
		return reply(map[string]any{"errors": []Error{{Code: "invalid_request", Message: "not a policy handle"}}})
	}
	return reply(p.sharing())
}

//export bp_close
func bp_close(policy C.uintptr_t) {
	defer func() { _ = recover() }() // closing twice is harmless
	if p, ok := cgo.Handle(policy).Value().(*Policy); ok {
		p.close()
	}
	cgo.Handle(policy).Delete()
}

//export bp_free
func bp_free(p *C.char) {
	C.free(unsafe.Pointer(p))
}
