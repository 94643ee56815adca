# METADATA
# title: Boundary's command line
# description: >-
#   The words of a container's command and args (argv elements, and the words of an `sh -c` script), the options
#   Boundary parses as its own (before the `--` that follows a launcher), and the values of its flags.
package lib.boundary.commandline

# Command basenames that launch Boundary (signal 3); parameter wrapperNames adds site-specific ones.
launchers := {
	"boundary", "agent-firewall", "boundary-run", "coder-no-caps", "agent-firewall-wrapper.sh",
	"boundary-wrapper.sh",
}

# The words of a shell script: comments removed, split at blanks and shell operators, quotes trimmed.
words(script) := [word |
	some raw in regex.split(`[\s;|&()<>]+`, regex.replace(script, `(^|\s)#[^\n]*`, " "))
	word := trim(raw, "\"'`")
	word != ""
]

_argv(entry) := [{"value": value, "field": array.concat(entry.path, [field, j])} |
	some field in ["command", "args"]
	some j, value in object.get(entry.container, field, [])
	is_string(value)
]

# The tokens of a container's command line: argv elements as they are, and the words of an `sh -c` script.
tokens(entry) := [token |
	argv := _argv(entry)
	some k, arg in argv
	some word in _arg_words(argv, k)
	token := {"word": word, "field": arg.field}
]

_arg_words(argv, k) := words(argv[k].value) if {
	k > 0
	regex.match(`^-[A-Za-z]*c$`, argv[k - 1].value)
} else := [argv[k].value]

basename(word) := parts[count(parts) - 1] if parts := split(word, "/")

# The tokens Boundary parses as its own options: everything before the `--` that follows a launcher
# (what comes after it is the jailed command's argv).
option_tokens(entry) := array.slice(toks, 0, min(cuts)) if {
	toks := tokens(entry)
	cuts := [i |
		some i, token in toks
		token.word == "--"
		some j, launcher in toks
		j < i
		basename(launcher.word) in launchers
	]
	count(cuts) > 0
} else := tokens(entry)

# Whether any element of the container's command or args contains `text`. Every token is part of one of them, so a
# flag or launcher no element contains is not among the tokens: asked first, this spares splitting the command line
# of most containers into tokens (the cheapest rejection first).
default mentions(_, _) := false

mentions(entry, text) if {
	some field in ["command", "args"]
	some value in object.get(entry.container, field, [])
	contains(value, text)
}

# The values of a flag among the options Boundary parses as its own (option_tokens), or [] when no element of the
# command line mentions it.
option_flag_values(entry, flag) := flag_values(option_tokens(entry), flag) if {
	mentions(entry, flag)
} else := []

# The same for a boolean flag.
option_bool_flag_values(entry, flag) := bool_flag_values(option_tokens(entry), flag) if {
	mentions(entry, flag)
} else := []

# Every value given to a flag: `--flag value` or `--flag=value`; {"value": v, "field": [...]}, in order.
flag_values(toks, flag) := [v |
	some i, token in toks
	startswith(token.word, flag) # both forms do; calling _flag_value with toks for every token costs
	v := _flag_value(toks, i, token, flag)
]

_flag_value(toks, i, token, flag) := {"value": toks[i + 1].word, "field": toks[i + 1].field} if {
	token.word == flag
	i + 1 < count(toks)
}

_flag_value(_, _, token, flag) := {"value": substring(token.word, count(flag) + 1, -1), "field": token.field} if {
	startswith(token.word, concat("", [flag, "="]))
}

# Occurrences of a boolean flag: bare (`--flag`, value "true") or `--flag=value`.
bool_flag_values(toks, flag) := [v |
	some token in toks
	startswith(token.word, flag)
	v := _bool_flag_value(token, flag)
]

_bool_flag_value(token, flag) := {"value": "true", "field": token.field} if token.word == flag

_bool_flag_value(token, flag) := {"value": substring(token.word, count(flag) + 1, -1), "field": token.field} if {
	startswith(token.word, concat("", [flag, "="]))
}

last(values) := values[count(values) - 1] if count(values) > 0

# A value from the command line is unknown when the shell expands it.
literal(value) := false if contains(value, "$")

literal(value) if not contains(value, "$")
