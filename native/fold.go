package main

// Offline, one compiled policy answers many inputs against the same data, where Gatekeeper answers one
// admission per query and keeps nothing. What the policy computes without reading the input is then the same
// for every input: the rules among it that read data (data.inventory, the Nodes by name, the Fargate and Auto
// Mode passes) are evaluated once and become constants, and the functions among it that read data (the Nodes'
// group keys, a group's class and facts) are memoised across inputs by their arguments. The Rego is the templates' own, evaluated by the same OPA, so the
// answers are the same; only the work is shared (docs/performance.md, "Shared across inputs").

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/types"
)

// sharedAfter is how many inputs a policy evaluates before the shared form is built (sharing "auto"): it
// costs a second compile, which a run of a few objects does not earn back. "always" builds it for the first
// input (the tests run every suite so), "off" never.
const sharedAfter = 64

// memoLimit bounds the entries of one policy's function memo; past it, calls are evaluated as usual.
const memoLimit = 1 << 16

// memoBuiltin is the builtin a memoised function's stand-in calls: memo(id, [args...]).
const memoBuiltin = "__boundary_policy_memo"

// constantBuiltin is what a constant's stand-in calls: constant(id).
const constantBuiltin = "__boundary_policy_constant"

// origPrefix renames a memoised function's own rules, which its stand-in evaluates on a miss.
const origPrefix = "__boundary_policy_orig_"

var memoDecl = &ast.Builtin{
	Name: memoBuiltin,
	Decl: types.NewFunction(types.Args(types.S, types.NewArray(nil, types.A)), types.A),
}

var constantDecl = &ast.Builtin{
	Name: constantBuiltin,
	Decl: types.NewFunction(types.Args(types.S), types.A),
}

// The memo and the constants are builtins OPA knows of (topdown finds an implementation only for a declared
// builtin), kept out of the capabilities templates are compiled with (gatekeeper.go): only the stand-ins call
// them.
func init() {
	ast.RegisterBuiltin(memoDecl)
	ast.RegisterBuiltin(constantDecl)
	topdown.RegisterBuiltinFunc(memoBuiltin, callMemo)
	topdown.RegisterBuiltinFunc(constantBuiltin, callConstant)
}

// ruleFacts says, per rule (else branches included), whether its value can depend on the input and whether it
// reads data that no rule defines (the synced inventory).
type ruleFacts struct {
	dependent map[*ast.Rule]bool
	readsData map[*ast.Rule]bool
	byPath    map[string][]*ast.Rule
	paths     map[string]ast.Ref
}

// analyse returns nil when the policy replaces data or functions with `with` anywhere: a constant or a memo
// would not see the replacement.
func analyse(c *ast.Compiler) *ruleFacts {
	f := &ruleFacts{map[*ast.Rule]bool{}, map[*ast.Rule]bool{}, map[string][]*ast.Rule{}, map[string]ast.Ref{}}
	head := map[*ast.Rule]*ast.Rule{}
	var all []*ast.Rule
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			for n := r; n != nil; n = n.Else {
				head[n] = r
				all = append(all, n)
			}
		}
	}
	replaces := false
	for _, r := range all {
		ast.WalkRefs(r, func(ref ast.Ref) bool {
			switch {
			case ref[0].Equal(ast.InputRootDocument):
				f.dependent[r] = true
			case ref[0].Equal(ast.DefaultRootDocument) && len(c.GetRulesDynamic(ref)) == 0:
				f.readsData[r] = true
			}
			return false
		})
		ast.WalkVars(r, func(v ast.Var) bool {
			if v.Equal(ast.InputRootDocument.Value) {
				f.dependent[r] = true
			}
			return false
		})
		ast.WalkExprs(r, func(e *ast.Expr) bool {
			f.dependent[r] = f.dependent[r] || len(e.With) > 0
			replaces = replaces || replacesWith(e)
			if e.IsCall() && nondeterministic(e.Operator()) {
				f.dependent[r] = true
			}
			return false
		})
		ast.WalkTerms(r, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok && nondeterministic(call[0].Value) {
				f.dependent[r] = true
			}
			return false
		})
	}
	if replaces {
		return nil
	}
	// Both facts flow from a rule to what depends on it, and across an else chain, to a fixpoint.
	for changed := true; changed; {
		changed = false
		spread := func(facts map[*ast.Rule]bool, r *ast.Rule) {
			for dep := range c.Graph.Dependencies(r) {
				if facts[dep.(*ast.Rule)] && !facts[r] {
					facts[r], changed = true, true
				}
			}
			if facts[r] != facts[head[r]] {
				facts[r], facts[head[r]], changed = true, true, true
			}
		}
		for _, r := range all {
			spread(f.dependent, r)
			spread(f.readsData, r)
		}
	}
	for _, r := range all {
		path := r.Path()
		key := path.String()
		f.byPath[key] = append(f.byPath[key], r)
		f.paths[key] = path
	}
	return f
}

// replacesWith tells whether an expression replaces data or a function with `with` (replacing input is fine: a
// shared rule or function does not read it).
func replacesWith(e *ast.Expr) bool {
	for _, w := range e.With {
		if ref, ok := w.Target.Value.(ast.Ref); !ok || !ref.HasPrefix(ast.InputRootRef) {
			return true
		}
	}
	return false
}

func nondeterministic(operator ast.Value) bool {
	ref, ok := operator.(ast.Ref)
	if !ok {
		return false
	}
	b, ok := ast.BuiltinMap[ref.String()]
	return ok && b.Nondeterministic
}

// shared returns the paths of the input-independent rules and functions that read data and that a rule
// depending on the input reads: what is worth sharing across inputs. A constant is also worth it when a function
// reads it (each call, or each memo miss, would evaluate it again: all of data.inventory, say).
func (f *ruleFacts) shared(c *ast.Compiler) (constants, functions []ast.Ref) {
	for key, rules := range f.byPath {
		arity, eligible, read, frontier := len(rules[0].Head.Args), true, false, false
		for _, r := range rules {
			if f.dependent[r] || len(r.Head.Args) != arity {
				eligible = false
				break
			}
			read = read || f.readsData[r]
			for dep := range c.Graph.Dependents(r) {
				reader := dep.(*ast.Rule)
				frontier = frontier || f.dependent[reader] || (arity == 0 && len(reader.Head.Args) > 0)
			}
		}
		if !eligible || !read || !frontier {
			continue
		}
		path := f.paths[key]
		if arity > 0 {
			if len(rules[0].Head.Ref()) == 1 && len(c.GetRules(renamed(path))) == 0 {
				functions = append(functions, path)
			}
			continue
		}
		// A constant replaces every rule of its path, so no other rule may define part of that document.
		alone := true
		for _, r := range c.GetRules(path) {
			alone = alone && r.Path().Equal(path)
		}
		if alone {
			constants = append(constants, path)
		}
	}
	byRef := func(refs []ast.Ref) {
		sort.Slice(refs, func(i, j int) bool { return refs[i].Compare(refs[j]) < 0 })
	}
	byRef(constants)
	byRef(functions)
	return constants, functions
}

func renamed(path ast.Ref) ast.Ref {
	out := path.Copy()
	last := out[len(out)-1]
	out[len(out)-1] = ast.StringTerm(origPrefix + string(last.Value.(ast.String)))
	return out
}

// sharedPolicy is a policy recompiled for many inputs: its constants and memoised functions behind stand-ins
// calling constantBuiltin and memoBuiltin, the table both read, and the paths of each (for bp_stats).
type sharedPolicy struct {
	compiler  *ast.Compiler
	memo      *memoTable
	constants []string
	functions []string

	constantPaths, functionPaths []ast.Ref
	prunes                       int
}

// Sharing is what bp_stats reports of a policy's shared form, for tests and diagnosis.
type Sharing struct {
	Shared    bool     `json:"shared"`
	Constants []string `json:"constants"`
	Functions []string `json:"functions"`
	Calls     int      `json:"calls"`
	Hits      int      `json:"hits"`
}

func (p *Policy) sharing() Sharing {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shared == nil {
		return Sharing{Constants: []string{}, Functions: []string{}}
	}
	out := Sharing{Shared: true, Constants: p.shared.constants, Functions: p.shared.functions}
	table := p.shared.memo
	table.mu.Lock()
	defer table.mu.Unlock()
	for _, s := range table.stats {
		out.Calls += s.calls
		out.Hits += s.hits
	}
	return out
}

// buildShared evaluates the constants on the policy as compiled, then compiles the rewritten modules. It
// returns nil when there is nothing to share or anything fails: the policy is then evaluated as it is.
func buildShared(ctx context.Context, p *Policy) *sharedPolicy {
	facts := analyse(p.compiler)
	if facts == nil {
		return nil
	}
	constantPaths, functionPaths := facts.shared(p.compiler)
	if len(constantPaths) == 0 && len(functionPaths) == 0 {
		return nil
	}
	table := newMemoTable()
	shared, err := buildWith(ctx, p, table, constantPaths, functionPaths)
	if err != nil {
		table.release()
		return nil
	}
	return shared
}

// maxPrunes bounds how often a shared form is compiled again without the functions whose memo stopped paying.
const maxPrunes = 3

// prune compiles the shared form again without the memoised functions that are called with new arguments most
// of the time (a pod's containers): through its stand-in, each such call would go on being evaluated as a query
// of its own, apart from the input's query and the calls that query has cached already.
func (p *Policy) prune(ctx context.Context) {
	s := p.shared
	if s.prunes >= maxPrunes {
		return
	}
	keep, dropped := s.memo.paying(s.functionPaths)
	if len(dropped) == 0 {
		return
	}
	table := s.memo.successor(s.constantPaths, keep)
	next, err := buildWith(ctx, p, table, s.constantPaths, keep)
	if err != nil {
		table.release()
		s.prunes = maxPrunes
		return
	}
	next.prunes = s.prunes + 1
	s.memo.release()
	p.shared = next
	p.prepared = map[string]*prepared{}
}

func buildWith(ctx context.Context, p *Policy, table *memoTable, constantPaths, functionPaths []ast.Ref) (*sharedPolicy, error) {
	txn, err := p.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	out := &sharedPolicy{memo: table, constants: []string{}, functions: []string{}, constantPaths: constantPaths, functionPaths: functionPaths}
	constants := map[string]bool{}
	for _, path := range constantPaths {
		value, known := table.constants[table.key(path)]
		if !known {
			value = evalConstant(ctx, p, txn, path)
		}
		if value != nil {
			table.constants[table.key(path)] = value
			constants[path.String()] = true
			out.constants = append(out.constants, path.String())
		}
	}
	p.store.Abort(ctx, txn)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	memoised := map[string]bool{}
	for _, path := range functionPaths {
		memoised[path.String()] = true
		out.functions = append(out.functions, path.String())
	}
	modules, err := rewrite(p, constants, memoised, table)
	if err != nil {
		return nil, err
	}
	caps := capabilities()
	caps.Builtins = append(caps.Builtins, memoDecl, constantDecl)
	out.compiler = ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(false)
	if out.compiler.Compile(modules); out.compiler.Failed() {
		return nil, out.compiler.Errors
	}
	return out, table.prepare(out.compiler, p.store, functionPaths)
}

func evalConstant(ctx context.Context, p *Policy, txn storage.Transaction, path ast.Ref) *ast.Term {
	out := ast.VarTerm("__constant")
	query := topdown.NewQuery(ast.NewBody(ast.Equality.Expr(out, ast.NewTerm(path)))).
		WithCompiler(p.compiler).WithStore(p.store).WithTransaction(txn)
	results, err := run(ctx, query)
	if err != nil || len(results) != 1 {
		return nil // undefined or an error: left to each input, which meets it (or not) as before
	}
	return results[0][out.Value.(ast.Var)]
}

// run runs an OPA query that stops when ctx is done (the memory watchdog cancels it).
func run(ctx context.Context, query *topdown.Query) (topdown.QueryResultSet, error) {
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	return query.WithCancel(cancel).Run(ctx)
}

// rewrite parses the policy's modules again, with each constant's rules replaced by a stand-in returning its
// value, and each memoised function's rules renamed and called through a stand-in of the same name.
func rewrite(p *Policy, constants, memoised map[string]bool, table *memoTable) (map[string]*ast.Module, error) {
	out := make(map[string]*ast.Module, len(p.sources)+1)
	standIns := map[string][]string{} // package -> stand-in rules
	for _, source := range p.sources {
		module, err := ast.ParseModuleWithOpts(source.Name, source.Source, ast.ParserOptions{RegoVersion: p.version})
		if err != nil {
			return nil, err
		}
		kept := module.Rules[:0]
		added := map[string]bool{}
		for _, r := range module.Rules {
			path := module.Package.Path.Extend(r.Head.Ref().GroundPrefix())
			key := path.String()
			standIn := ""
			switch {
			case constants[key]:
				standIn = constantStandIn(table, module, path)
			case memoised[key]:
				for n := r; n != nil; n = n.Else {
					n.Head.Name = ast.Var(origPrefix + string(n.Head.Name))
					n.Head.Reference = ast.Ref{ast.VarTerm(string(n.Head.Name))}
				}
				standIn = memoStandIn(table, path, len(r.Head.Args))
			}
			if standIn != "" && !added[key] {
				added[key] = true
				pkg := module.Package.String()
				standIns[pkg] = append(standIns[pkg], standIn)
			}
			if !constants[key] {
				kept = append(kept, r)
			}
		}
		module.Rules = kept
		out[source.Name] = module
	}
	packages := make([]string, 0, len(standIns))
	for pkg := range standIns {
		packages = append(packages, pkg)
	}
	sort.Strings(packages)
	for i, pkg := range packages {
		source := pkg + "\n\n" + strings.Join(standIns[pkg], "\n")
		name := fmt.Sprintf("boundary-policy-shared-%d.rego", i)
		module, err := ast.ParseModuleWithOpts(name, source, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, err
		}
		out[name] = module
	}
	return out, nil
}

// constantStandIn is `<path> := constant("<table>/<path>")`: the value comes from the table and is typed `any`,
// as data is (a literal's exact type would make the checker refuse a ref into a part the value lacks).
func constantStandIn(table *memoTable, module *ast.Module, path ast.Ref) string {
	relative := path[len(module.Package.Path):].Copy()
	relative[0] = ast.VarTerm(string(relative[0].Value.(ast.String)))
	return fmt.Sprintf("%s := %s(%q)", relative, constantBuiltin, table.key(path))
}

// memoStandIn is `name(a0, ...) := memo("<table>/<path>", [a0, ...])`.
func memoStandIn(table *memoTable, path ast.Ref, arity int) string {
	args := make([]string, arity)
	for i := range args {
		args[i] = fmt.Sprintf("__a%d", i)
	}
	list := strings.Join(args, ", ")
	name := string(path[len(path)-1].Value.(ast.String))
	return fmt.Sprintf("%s(%s) := %s(%q, [%s])", name, list, memoBuiltin, table.key(path), list)
}

// --- the memo ----------------------------------------------------------------------------------------------

var (
	memoTables sync.Map // id -> *memoTable
	memoIDs    atomic.Uint64
)

type memoTable struct {
	id       uint64
	compiler *ast.Compiler
	store    storage.Store
	queries  map[string]ast.Body // path -> `__out = <renamed path>(input[0], ...)`
	// constants never change once built: read without the lock.
	constants map[string]*ast.Term

	mu      sync.Mutex
	entries map[string]map[uint64][]memoEntry
	stats   map[string]*memoStats
	size    int
}

// memoStats decide whether a function is worth its memo: one called with other arguments every time (a
// pod's containers) is evaluated without keeping anything.
type memoStats struct {
	calls, hits int
	off         bool
}

// memoTrial is how many calls a function's memo is judged on; it is kept when at least half were hits.
const memoTrial = 64

type memoEntry struct {
	args  ast.Value
	value *ast.Term // nil: undefined
}

func newMemoTable() *memoTable {
	t := &memoTable{
		id: memoIDs.Add(1), queries: map[string]ast.Body{}, constants: map[string]*ast.Term{},
		entries: map[string]map[uint64][]memoEntry{},
		stats:   map[string]*memoStats{},
	}
	memoTables.Store(t.id, t)
	return t
}

// key is the id a stand-in passes for one path: "<table>/<path>".
func (t *memoTable) key(path ast.Ref) string {
	return fmt.Sprintf("%d/%s", t.id, path)
}

// paying splits the functions into those whose memo is kept and those whose memo was turned off.
func (t *memoTable) paying(functions []ast.Ref) (keep, dropped []ast.Ref) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, path := range functions {
		if stats := t.stats[t.key(path)]; stats != nil && stats.off {
			dropped = append(dropped, path)
		} else {
			keep = append(keep, path)
		}
	}
	return keep, dropped
}

// successor is a new table with this one's constants, the entries of the functions kept, and every function's
// counts (bp_stats reports the run's calls and hits).
func (t *memoTable) successor(constants, functions []ast.Ref) *memoTable {
	next := newMemoTable()
	for _, path := range constants {
		if value, ok := t.constants[t.key(path)]; ok {
			next.constants[next.key(path)] = value
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, path := range functions {
		if entries, ok := t.entries[t.key(path)]; ok {
			next.entries[next.key(path)] = entries
			for _, bucket := range entries {
				next.size += len(bucket)
			}
		}
	}
	for id, stats := range t.stats {
		copied := *stats
		next.stats[fmt.Sprintf("%d%s", next.id, id[strings.IndexByte(id, '/'):])] = &copied
	}
	return next
}

func (t *memoTable) release() {
	memoTables.Delete(t.id)
}

func (t *memoTable) prepare(c *ast.Compiler, store storage.Store, functions []ast.Ref) error {
	t.compiler, t.store = c, store
	for _, path := range functions {
		rules := c.GetRules(renamed(path))
		if len(rules) == 0 {
			return fmt.Errorf("%v: no rules", path)
		}
		args := make([]*ast.Term, 0, len(rules[0].Head.Args))
		for i := range len(rules[0].Head.Args) {
			args = append(args, ast.RefTerm(ast.InputRootDocument, ast.InternedTerm(i)))
		}
		call := ast.CallTerm(append([]*ast.Term{ast.NewTerm(renamed(path))}, args...)...)
		body, err := c.QueryCompiler().Compile(ast.NewBody(ast.Equality.Expr(ast.VarTerm("__out"), call)))
		if err != nil {
			return err
		}
		t.queries[t.key(path)] = body
	}
	return nil
}

func callMemo(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
	table, id, err := tableOf(operands[0])
	if err != nil {
		return err
	}
	value, err := table.call(bctx.Context, id, operands[1].Value)
	if err != nil {
		// The function's own error, unchanged, as if it had been evaluated in place.
		return topdown.Halt{Err: err}
	}
	if value == nil {
		return nil
	}
	return iter(value)
}

func callConstant(_ topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
	table, id, err := tableOf(operands[0])
	if err != nil {
		return err
	}
	value, ok := table.constants[id]
	if !ok {
		return fmt.Errorf("unknown constant %s", id)
	}
	return iter(value)
}

// tableOf finds the table of an id "<table>/<path>" that a stand-in passes.
func tableOf(operand *ast.Term) (*memoTable, string, error) {
	id, ok := operand.Value.(ast.String)
	slash := strings.IndexByte(string(id), '/')
	if !ok || slash < 0 {
		return nil, "", fmt.Errorf("bad shared id %v", operand)
	}
	n, err := strconv.ParseUint(string(id[:slash]), 10, 64)
	if err != nil {
		return nil, "", fmt.Errorf("bad shared id %v", operand)
	}
	t, ok := memoTables.Load(n)
	if !ok {
		return nil, "", fmt.Errorf("no shared table for %v", operand)
	}
	return t.(*memoTable), string(id), nil
}

func (t *memoTable) call(ctx context.Context, id string, args ast.Value) (*ast.Term, error) {
	hash := uint64(args.Hash())
	value, found, keep := t.lookup(id, hash, args)
	if found {
		return value, nil
	}
	value, err := t.eval(ctx, id, args)
	if err == nil && keep {
		t.remember(id, hash, args, value)
	}
	return value, err
}

// lookup finds a call's value, or says whether to keep the value about to be computed.
func (t *memoTable) lookup(id string, hash uint64, args ast.Value) (value *ast.Term, found, keep bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	stats := t.stats[id]
	if stats == nil {
		stats = &memoStats{}
		t.stats[id] = stats
	}
	stats.calls++
	if stats.off {
		return nil, false, false
	}
	for _, e := range t.entries[id][hash] {
		if sameArgs(e.args, args) {
			stats.hits++
			return e.value, true, false
		}
	}
	if stats.calls >= memoTrial && 2*stats.hits < stats.calls {
		stats.off = true
		for _, bucket := range t.entries[id] {
			t.size -= len(bucket)
		}
		delete(t.entries, id)
		return nil, false, false
	}
	return nil, false, t.size < memoLimit
}

func (t *memoTable) remember(id string, hash uint64, args ast.Value, value *ast.Term) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.entries[id] == nil {
		t.entries[id] = map[uint64][]memoEntry{}
	}
	t.entries[id][hash] = append(t.entries[id][hash], memoEntry{args, value})
	t.size++
}

func (t *memoTable) eval(ctx context.Context, id string, args ast.Value) (*ast.Term, error) {
	txn, err := t.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer t.store.Abort(ctx, txn)
	results, err := run(ctx, topdown.NewQuery(t.queries[id]).WithCompiler(t.compiler).WithStore(t.store).
		WithTransaction(txn).WithInput(ast.NewTerm(args)))
	if err != nil || len(results) == 0 {
		return nil, err
	}
	return results[0][ast.Var("__out")], nil
}

// sameArgs compares argument lists exactly: OPA's comparison takes 1 and 1.0 as equal, but a function may not
// (sprintf prints them differently), so numbers must be written alike. An argument that is the very same value
// as the cached one (a rule's value, passed on by reference) is not walked.
func sameArgs(a, b ast.Value) bool {
	x, ok := a.(*ast.Array)
	y, ok2 := b.(*ast.Array)
	return ok && ok2 && sameValue(x, y)
}

func sameValue(a, b ast.Value) bool {
	switch x := a.(type) {
	case ast.Number:
		y, ok := b.(ast.Number)
		return ok && x == y
	case *ast.Array:
		y, ok := b.(*ast.Array)
		if !ok || x.Len() != y.Len() {
			return false
		}
		if x == y {
			return true
		}
		for i := range x.Len() {
			if !sameValue(x.Elem(i).Value, y.Elem(i).Value) {
				return false
			}
		}
		return true
	case ast.Object:
		y, ok := b.(ast.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		if x == y {
			return true
		}
		return sameTerms(x.Keys(), y.Keys()) && !x.Until(func(k, v *ast.Term) bool {
			w := y.Get(k)
			return w == nil || !sameValue(v.Value, w.Value)
		})
	case ast.Set:
		y, ok := b.(ast.Set)
		if !ok || x.Len() != y.Len() {
			return false
		}
		return x == y || sameTerms(x.Slice(), y.Slice())
	}
	return a.Compare(b) == 0
}

// sameTerms compares two collections' elements (or keys), each exactly; OPA hands them over sorted by its own
// comparison, so equal collections line up.
func sameTerms(a, b []*ast.Term) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}
