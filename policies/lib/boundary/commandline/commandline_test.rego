package lib.boundary.commandline_test

import data.lib.boundary.commandline

test_words if {
	words := commandline.words("exec 'boundary' --jail-type=\"landjail\" -- claude; echo done # note")
	words == ["exec", "boundary", "--jail-type=\"landjail", "--", "claude", "echo", "done"]
}

test_tokens_keep_fields if {
	container := {"command": ["sh", "-c", "boundary --jail-type nsjail"], "args": ["x"]}
	entry := {"path": ["spec", "containers", 0], "container": container}
	commandline.tokens(entry) == [
		{"word": "sh", "field": ["spec", "containers", 0, "command", 0]},
		{"word": "-c", "field": ["spec", "containers", 0, "command", 1]},
		{"word": "boundary", "field": ["spec", "containers", 0, "command", 2]},
		{"word": "--jail-type", "field": ["spec", "containers", 0, "command", 2]},
		{"word": "nsjail", "field": ["spec", "containers", 0, "command", 2]},
		{"word": "x", "field": ["spec", "containers", 0, "args", 0]},
	]
}

test_basename if {
	commandline.basename("/usr/bin/boundary") == "boundary"
	commandline.basename("boundary") == "boundary"
}

_toks(words) := [{"word": w, "field": [i]} | some i, w in words]

test_flag_values if {
	commandline.flag_values(_toks(["--jail-type", "landjail", "--jail-type=nsjail", "--jail-type"]), "--jail-type") == [
		{"value": "landjail", "field": [1]},
		{"value": "nsjail", "field": [2]},
	]
	commandline.bool_flag_values(_toks(["--no-user-namespace", "--no-user-namespace=false"]), "--no-user-namespace") == [
		{"value": "true", "field": [0]},
		{"value": "false", "field": [1]},
	]
}
