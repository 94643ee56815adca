package main

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// DisabledBuiltins are the builtins a template cannot call. Gatekeeper means to disable http.send
// (--disable-opa-builtin; frameworks' rego.DisableBuiltins drops it from the capabilities, so a template
// calling it fails to compile). net.lookup_ip_addr is the other builtin that reaches the network;
// offline, in CI, neither may run.
var DisabledBuiltins = []string{"http.send", "net.lookup_ip_addr"}

// capabilities are what frameworks' rego driver compiles templates with: this OPA's own capabilities
// (the v1 set, for v0 and v1 templates alike) without the disabled builtins.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return slices.Contains(DisabledBuiltins, b.Name) || b.Name == memoBuiltin || b.Name == constantBuiltin
	})
	return caps
}

// parserOptions are frameworks' parseModule options: only the Rego version, so v0 templates are read by
// OPA's own v0 parser and METADATA comments are not processed.
func parserOptions(version string) ast.ParserOptions {
	if version == "v1" {
		return ast.ParserOptions{RegoVersion: ast.RegoV1}
	}
	return ast.ParserOptions{RegoVersion: ast.RegoV0}
}

func regoVersion(version string) ast.RegoVersion {
	if version == "v1" {
		return ast.RegoV1
	}
	return ast.RegoV0
}
