"""Which manifest files plainly hold only workloads, told from their text before it is parsed.

`eval --jobs N` parses such files in the workers that review them instead of in the parent first (most of a
large repository's YAML, and most of the loading time): nothing the parent builds before the review (the policy
set, the synced objects, the CRD scopes, the SyncSets) can come from a Pod or a Deployment. So the test must
never take a file for workloads only when the YAML reader would find anything else in it; when unsure it says
no, and the file is read in the parent as before.

A file qualifies when every line that starts at column 0 is blank, a comment, a `---` marker or a plain `key:`
of a block mapping, each document (between `---` lines) begins with such a key, and has exactly one plain
`apiVersion:` and one plain `kind:` naming a built-in workload, each on a line of its own (the next line that is
not blank starts at column 0: YAML continues a plain value on indented lines). Flow style, JSON, quoted or complex
keys, tags, aliases and merge keys at the top level, directives, `...` (after which a document may begin without
`---`), a document indented as a whole, and values with a comment all say no, and so do line breaks other than
LF and CRLF (YAML also breaks lines at a lone CR, NEL, LS and PS, which would hide a line from the test).

A column-0 line the test reads may still lie inside a quoted scalar or a flow collection opened higher up (YAML
lets both continue at column 0): the test then sees a key the reader does not. A second `kind:` or `apiVersion:`
says no; one in place of a missing one names no object for the reader, which reports that alike in any process.
A file with anchors may be deferred too: what its aliases add to the run's expansion budget is charged once
it is read, and where one process reading in input order could have refused another document instead, the
manifests are read again in one process (pipeline.run_eval).
"""

from __future__ import annotations

import re

__all__ = ["WORKLOAD_KINDS", "workload_documents"]

WORKLOAD_KINDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("v1", "Pod"),
        ("v1", "ReplicationController"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "ReplicaSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
    }
)
"""(apiVersion, kind) of the objects a deferred file may hold."""

# A line at column 0 that is none of: indented, blank, a comment, a document marker, a plain block-mapping key.
_UNSURE = re.compile(
    r"^(?![ \t]|\r?$|#|---(?:[ \t]+(?:#.*)?)?\r?$|[A-Za-z_][\w./-]*[ \t]*:(?:[ \t]|\r?$))",
    re.MULTILINE,
)
# A `---` marker: alone on its line, or with a comment after a blank (`---#c` starts no document).
_SEPARATOR = re.compile(r"^---(?:[ \t]+(?:#.*)?)?\r?$", re.MULTILINE)
# Line breaks YAML knows besides LF and CRLF: a lone CR, NEL, LS, PS.
_OTHER_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
# An apiVersion or kind line whose value goes on: the next line that is not blank is indented.
_CONTINUED = re.compile(r"^(?:apiVersion|kind)[ \t]*:.*\n(?:[ \t]*\r?\n)*[ \t]", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)
_FIELD = re.compile(r"^(apiVersion|kind)[ \t]*:(.*)$", re.MULTILINE)
_PLAIN_VALUE = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9./]*)[ \t]*\r?")


def workload_documents(text: str) -> int | None:
    """How many documents `text` holds when each is plainly a built-in workload; None when that is not certain."""
    if _OTHER_BREAK.search(text) or _UNSURE.search(text) or _CONTINUED.search(text):
        return None
    documents = 0
    for part in _SEPARATOR.split(text):
        first = _CONTENT.search(part)
        if first is None:
            continue  # blank or comments only: no document
        if part[first.start()] in " \t":
            return None  # a document indented as a whole: its keys are not at column 0
        fields: dict[str, list[str]] = {"apiVersion": [], "kind": []}
        for found in _FIELD.finditer(part):
            value = _PLAIN_VALUE.fullmatch(found.group(2))
            fields[found.group(1)].append(value.group(1) if value else "")
        if [len(fields["apiVersion"]), len(fields["kind"])] != [1, 1]:
            return None
        if (fields["apiVersion"][0], fields["kind"][0]) not in WORKLOAD_KINDS:
            return None
        documents += 1
    return documents
