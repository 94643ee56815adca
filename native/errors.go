package main

import (
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Error is one OPA error as the `opa` CLI prints it with --format json: code, message and location.
type Error struct {
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Location *Location `json:"location,omitempty"`
}

type Location struct {
	File string `json:"file"`
	Row  int    `json:"row"`
}

func location(loc *ast.Location) *Location {
	if loc == nil {
		return nil
	}
	return &Location{File: loc.File, Row: loc.Row}
}

// toErrors flattens what OPA returns (ast.Errors from the parser and compiler, *topdown.Error from
// evaluation, or anything else) into a list of Errors.
func toErrors(err error, defaultCode string) []Error {
	var astErrors ast.Errors
	if errors.As(err, &astErrors) {
		out := make([]Error, 0, len(astErrors))
		for _, e := range astErrors {
			out = append(out, Error{Code: e.Code, Message: e.Message, Location: location(e.Location)})
		}
		return out
	}
	var astError *ast.Error
	if errors.As(err, &astError) {
		return []Error{{Code: astError.Code, Message: astError.Message, Location: location(astError.Location)}}
	}
	var evalError *topdown.Error
	if errors.As(err, &evalError) {
		return []Error{{Code: evalError.Code, Message: evalError.Message, Location: location(evalError.Location)}}
	}
	return []Error{{Code: defaultCode, Message: err.Error()}}
}
