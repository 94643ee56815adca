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

_entry(container) := {"path": ["spec", "containers", 0], "container": container}

# Every token is part of a command or args element, so asking mentions first changes no flag's values: the guarded
# and the unguarded forms agree on command lines that mention a flag, hide it in a script, or only come close.
test_option_flag_values_agree_with_the_tokens if {
	every container in [
		{"command": ["sh", "-c", "exec boundary --jail-type=landjail --config /c.yaml -- claude --jail-type x"]},
		{"command": ["/usr/bin/boundary"], "args": ["--no-user-namespace", "--jail-type", "nsjail", "--", "claude"]},
		{"command": ["agent-firewall", "--jail-typo=x", "--no-user-namespace=false"], "args": [7, null]},
		{"command": ["sh", "-c", "echo '--config' \"--jail-type=\"; boundary-run --config=$CFG"]},
		{"args": ["--config"]},
		{},
	] {
		entry := _entry(container)
		every flag in ["--jail-type", "--config"] {
			commandline.option_flag_values(entry, flag) == commandline.flag_values(commandline.option_tokens(entry), flag)
		}
		every flag in ["--no-user-namespace"] {
			commandline.option_bool_flag_values(entry, flag) == commandline.bool_flag_values(
				commandline.option_tokens(entry),
				flag,
			)
		}
	}
}

test_mentions if {
	commandline.mentions(_entry({"command": ["sh", "-c", "boundary --config=/c -- claude"]}), "--config")
	commandline.mentions(_entry({"args": [1, "x --jail-type"]}), "--jail-type")
	not commandline.mentions(_entry({"command": ["boundary"], "env": [{"name": "X", "value": "--config"}]}), "--config")
	not commandline.mentions(_entry({"command": [1, null]}), "1")
	not commandline.mentions(_entry({}), "boundary")
	count(commandline.option_flag_values(_entry({"command": ["boundary", "--jail-type=nsjail"]}), "--jail-type")) == 1
}
