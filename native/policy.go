package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

type Module struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

type CompileRequest struct {
	Modules     []Module        `json:"modules"`
	Data        json.RawMessage `json:"data"`
	RegoVersion string          `json:"rego_version"`
	// Sharing across inputs (fold.go): "auto" (the default), "always" or "off".
	Sharing string `json:"sharing"`
}

// Policy is a compiled set of modules with its data, and the queries prepared on it so far.
type Policy struct {
	compiler *ast.Compiler
	store    storage.Store
	version  ast.RegoVersion

	mu       sync.Mutex
	prepared map[string]*prepared

	// For many inputs (fold.go): the modules' sources, how many inputs were evaluated, and the shared form.
	sources     []Module
	sharingMode string
	evaluated   int
	sharedTried bool
	shared      *sharedPolicy
}

type prepared struct {
	query rego.PreparedEvalQuery
	err   []Error
}

// Outcome is one input's result: the first result's bindings, nothing (undefined), or errors.
type Outcome struct {
	Bindings map[string]any `json:"bindings,omitempty"`
	Errors   []Error        `json:"errors,omitempty"`
}

// compile parses and compiles the modules as Gatekeeper's rego driver does (frameworks
// drivers/rego/compilers.go): the template's Rego version, Gatekeeper's capabilities, print disabled.
func compile(req CompileRequest) (*Policy, []Error) {
	switch req.Sharing {
	case "", "auto", "always", "off":
	default:
		return nil, []Error{{Code: "invalid_request", Message: fmt.Sprintf("sharing must be auto, always or off, not %q", req.Sharing)}}
	}
	opts := parserOptions(req.RegoVersion)
	modules := make(map[string]*ast.Module, len(req.Modules))
	var parseErrors []Error
	for _, m := range req.Modules {
		module, err := ast.ParseModuleWithOpts(m.Name, m.Source, opts)
		if err != nil {
			parseErrors = append(parseErrors, toErrors(err, ast.ParseErr)...)
			continue
		}
		if module == nil {
			// The `opa` CLI refuses an empty file with this code and message.
			parseErrors = append(parseErrors, Error{Code: ast.ParseErr, Message: "empty module", Location: &Location{File: m.Name}})
			continue
		}
		modules[m.Name] = module
	}
	if len(parseErrors) > 0 {
		return nil, parseErrors
	}
	compiler := ast.NewCompiler().WithCapabilities(capabilities()).WithEnablePrintStatements(false)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, toErrors(compiler.Errors, ast.CompileErr)
	}
	store, err := newStore(req.Data)
	if err != nil {
		return nil, []Error{{Code: "invalid_data", Message: err.Error()}}
	}
	return &Policy{
		compiler: compiler, store: store, version: regoVersion(req.RegoVersion), prepared: map[string]*prepared{},
		sources: req.Modules, sharingMode: req.Sharing,
	}, nil
}

func newStore(data json.RawMessage) (storage.Store, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return inmem.NewWithOpts(inmem.OptRoundTripOnWrite(false)), nil
	}
	var object map[string]any
	if err := util.UnmarshalJSON(trimmed, &object); err != nil {
		return nil, fmt.Errorf("data must be a JSON object: %w", err)
	}
	return inmem.NewFromObjectWithOpts(object, inmem.OptRoundTripOnWrite(false)), nil
}

// prepare compiles a query once per policy. No rego.Runtime is given, as in Gatekeeper, so
// opa.runtime() is {} and the process environment is out of reach; builtin errors are not strict.
func (p *Policy) prepare(query string) *prepared {
	p.mu.Lock()
	defer p.mu.Unlock()
	if found, ok := p.prepared[query]; ok {
		return found
	}
	compiler := p.compiler
	if p.shared != nil && !replacesData(query) {
		compiler = p.shared.compiler
	}
	q, err := rego.New(
		rego.Compiler(compiler),
		rego.Store(p.store),
		rego.Query(query),
		rego.EnablePrintStatements(false),
		rego.SetRegoVersion(p.version),
	).PrepareForEval(context.Background())
	entry := &prepared{query: q}
	if err != nil {
		entry.err = toErrors(err, ast.CompileErr)
	}
	p.prepared[query] = entry
	return entry
}

// evaluate runs the query once per element of the JSON array `inputs`, each as its own input.
func (p *Policy) evaluate(query string, inputs []byte) ([]Outcome, []Error) {
	parsed, err := ast.ValueFromReader(bytes.NewReader(inputs))
	if err != nil {
		return nil, []Error{{Code: "invalid_input", Message: err.Error()}}
	}
	array, ok := parsed.(*ast.Array)
	if !ok {
		return nil, []Error{{Code: "invalid_input", Message: "inputs must be a JSON array"}}
	}
	watch := startWatchdog()
	defer watch.stop()
	p.share(watch, array.Len())
	q := p.prepare(query)
	outcomes := make([]Outcome, array.Len())
	for i := range outcomes {
		if q.err != nil {
			outcomes[i] = Outcome{Errors: q.err}
			continue
		}
		ctx, release := watch.context()
		outcomes[i] = evalOne(ctx, q.query, array.Elem(i).Value)
		if stopped := watch.stopped(ctx); stopped != nil {
			outcomes[i] = Outcome{Errors: []Error{*stopped}}
		}
		release()
	}
	return outcomes, nil
}

func evalOne(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value) (outcome Outcome) {
	// A panic inside OPA while evaluating one input is that input's error, not the process's end.
	defer func() {
		if r := recover(); r != nil {
			outcome = Outcome{Errors: []Error{{Code: "eval_internal_error", Message: fmt.Sprintf("panic: %v", r)}}}
		}
	}()
	results, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return Outcome{Errors: toErrors(err, "eval_error")}
	}
	if len(results) == 0 {
		return Outcome{}
	}
	bindings := make(map[string]any, len(results[0].Bindings))
	for name, value := range results[0].Bindings {
		bindings[name] = value
	}
	return Outcome{Bindings: bindings}
}

// share builds the shared form (fold.go) once the policy has evaluated enough inputs to earn it back; the
// watchdog bounds the constants' evaluation as it bounds an input's.
func (p *Policy) share(watch *watchdog, inputs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.evaluated += inputs
	if p.shared != nil {
		ctx, release := watch.context()
		defer release()
		p.prune(ctx)
		return
	}
	if p.sharedTried || p.sharingMode == "off" || (p.sharingMode != "always" && p.evaluated < sharedAfter) {
		return
	}
	p.sharedTried = true
	ctx, release := watch.context()
	defer release()
	if p.shared = buildShared(ctx, p); p.shared != nil {
		p.prepared = map[string]*prepared{}
	}
}

// close releases the memo of the shared form.
func (p *Policy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shared != nil {
		p.shared.memo.release()
	}
}

// replacesData tells whether a query replaces data or a function with `with`, which a constant or a memo
// would not see: such a query is evaluated on the policy as compiled.
func replacesData(query string) bool {
	body, err := ast.ParseBody(query)
	if err != nil {
		return true
	}
	replaces := false
	ast.WalkExprs(body, func(e *ast.Expr) bool {
		replaces = replaces || replacesWith(e)
		return false
	})
	return replaces
}
