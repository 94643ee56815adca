"""HCL text (Terraform's .tf files) -> blocks and attributes with the line of each, values evaluated offline.

The text is parsed by python-hcl2's grammar (Lark, positions kept); this module walks Lark's tree itself,
because the library's dict output has no line numbers. What only Terraform knows when it runs (`var.x`,
`data.coder_workspace.me.name`, function calls, conditionals) stays an `Unknown` carrying the expression as
written, never a guess: its JSON form is a placeholder such as "${data.coder_workspace.me.name}".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from boundary_policy.errors import BoundaryPolicyError

__all__ = [
    "MAX_HCL_CHARACTERS",
    "Attribute",
    "Block",
    "Body",
    "Expr",
    "HclError",
    "Unknown",
    "key_text",
    "parse_hcl",
]


class HclError(BoundaryPolicyError):
    """Text that is not valid HCL; `line` is 1-based (None when the parser cannot tell)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Unknown:
    """A value known only when Terraform runs. `ref` is the traversal (`("local", "ns")`) when the expression
    is a plain reference; `parts` the pieces of a string template (literal text and Unknowns)."""

    text: str
    template: bool = False
    ref: tuple[str, ...] = ()
    parts: tuple[str | Unknown, ...] = ()

    @property
    def placeholder(self) -> str:
        """How the value appears in the Kubernetes object: a template as written, anything else as ${...}."""
        return self.text if self.template else "${" + self.text + "}"


@dataclass(frozen=True)
class Expr:
    """An expression's value (str, int, float, bool, None, Unknown, list[Expr] or dict[str, Expr]) and its line.
    An object's keys written as expressions Terraform alone knows are `unknown_keys`: each key as it stands in
    `value` (its placeholder) with its Unknown, so that locals can still be substituted in them."""

    value: Any
    line: int
    text: str = ""
    unknown_keys: tuple[tuple[str, Unknown], ...] = ()


@dataclass(frozen=True)
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [block for block in self.blocks if block.type == block_type]


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int


MAX_HCL_CHARACTERS = 2**20
"""A larger .tf file is not parsed: python-hcl2 takes about 20 s and 200 MB per MiB (Coder templates are far
smaller), which the 16 MiB bound on every file does not keep within a run's time."""

# A heredoc's opening marker ends its line (`x = <<EOT`, `<<-EOT`); outside comments.
_HEREDOC_OPENER = re.compile(r"^(?![ \t]*(?:#|//)).*<<-?([A-Za-z_][\w-]*)[ \t]*\r?$", re.MULTILINE)


def parse_hcl(text: str) -> Body:
    """The top-level body of one file; raises HclError for text Terraform would not parse."""
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    if len(text) > MAX_HCL_CHARACTERS:
        raise HclError(None, f"more than {MAX_HCL_CHARACTERS} characters: a Terraform file this large is not read")
    _closed_heredocs(text)
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        raise _syntax_error(error) from None
    except (LarkError, RuntimeError, ValueError) as error:
        raise HclError(None, f"invalid HCL: {_first_line(str(error))}") from None
    walker = _Walker(text)
    try:
        return walker.body(_children(tree)[0])
    except RecursionError:
        raise HclError(walker.last_line or None, "invalid HCL: nested too deeply") from None


def _closed_heredocs(text: str) -> None:
    """Every heredoc ends: python-hcl2's pattern for one takes time quadratic in the blank lines after an opening
    marker that is never closed (32,000 of them: 13 s), so that is found here first."""
    for opener in _HEREDOC_OPENER.finditer(text):
        marker = re.escape(opener.group(1))
        if not re.compile(rf"^[ \t]*{marker}[ \t]*\r?$", re.MULTILINE).search(text, opener.end()):
            line = text.count("\n", 0, opener.start()) + 1
            raise HclError(line, f"heredoc <<{opener.group(1)} is never closed (no line {opener.group(1)} after it)")


def _syntax_error(error: Any) -> HclError:
    """Lark's error in words a Terraform user reads: what was unexpected, and where."""
    line = error.line if isinstance(getattr(error, "line", None), int) and error.line > 0 else None
    token = getattr(error, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        what = "end of file"
    elif token is not None:
        text = str(token).strip() or repr(str(token))
        what = repr(text if len(text) <= 30 else text[:30] + "…")
    else:
        character = getattr(error, "char", None)
        what = f"character {character!r}" if character else "input"
    column = getattr(error, "column", None)
    where = f" (line {line}, column {column})" if line and isinstance(column, int) and column > 0 else ""
    return HclError(line, f"invalid HCL: unexpected {what}{where}")


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "syntax error"


_SKIP = {"new_line_or_comment"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)^[ \t]*\2\r?\n?\Z", re.S | re.M)
_INTERPOLATION = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")


def _children(tree: Any) -> list[Any]:
    """The child trees of a node, without newlines and comments."""
    from lark import Tree

    return [c for c in tree.children if isinstance(c, Tree) and str(c.data) not in _SKIP]


def _tokens(tree: Any) -> list[Any]:
    from lark import Token

    return [c for c in tree.children if isinstance(c, Token)]


def _unescape(value: str) -> str:
    """HCL's escapes in a quoted string: \\n, \\t, \\", \\\\, \\uNNNN, \\UNNNNNNNN; $${ and %%{ are literal."""
    if "\\" in value:
        out: list[str] = []
        index = 0
        while index < len(value):
            char = value[index]
            marker = value[index + 1] if index + 1 < len(value) else ""
            if char == "\\" and marker in _ESCAPES:
                out.append(_ESCAPES[marker])
                index += 2
            elif char == "\\" and marker in "uU":
                width = 4 if marker == "u" else 8
                digits = value[index + 2 : index + 2 + width]
                if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                    out.append(chr(int(digits, 16)))
                    index += 2 + width
                else:
                    out.append(char)
                    index += 1
            else:
                out.append(char)
                index += 1
        value = "".join(out)
    return value


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.last_line: int | None = None  # of the expression read last: where nesting too deep is reported

    def source(self, tree: Any) -> str:
        meta = tree.meta
        if getattr(meta, "empty", True):
            return ""
        return str(self.text[meta.start_pos : meta.end_pos])

    @staticmethod
    def line(tree: Any) -> int:
        meta = tree.meta
        return 0 if getattr(meta, "empty", True) else int(meta.line)

    def body(self, tree: Any) -> Body:
        body = Body()
        for child in _children(tree):
            kind = str(child.data)
            if kind == "attribute":
                name = self.name(_children(child)[0])
                if name in body.attributes:
                    first = body.attributes[name].line
                    raise HclError(self.line(child), f"attribute {name!r} is defined twice (first at line {first})")
                body.attributes[name] = Attribute(name, self.expr(_children(child)[1]), self.line(child))
            elif kind == "block":
                body.blocks.append(self.block(child))
        return body

    def block(self, tree: Any) -> Block:
        self.last_line = self.line(tree) or self.last_line
        *heads, inner = _children(tree)
        names = [self.name(h) if str(h.data) != "string" else self.plain_string(h) for h in heads]
        return Block(names[0], tuple(names[1:]), self.body(inner), self.line(tree))

    def name(self, tree: Any) -> str:
        """An identifier, keyword or literal used as a name (`in = 1`, a block type, an object key)."""
        tokens = _tokens(tree)
        if tokens:
            return str(tokens[0])
        return self.name(_children(tree)[0])

    def plain_string(self, tree: Any) -> str:
        value = self.expr(tree).value
        if isinstance(value, Unknown):
            raise HclError(self.line(tree), "a block label cannot be a template")
        return str(value)

    def expr(self, tree: Any) -> Expr:
        kind = str(tree.data)
        line = self.last_line = self.line(tree)
        handler = getattr(self, f"_{kind}", None)
        if handler is None:
            # conditionals, operators, function calls, for expressions, splats: only Terraform knows
            return Expr(Unknown(self.source(tree).strip()), line, self.source(tree))
        value = handler(tree)
        return value if isinstance(value, Expr) else Expr(value, line, self.source(tree))

    def _expr_term(self, tree: Any) -> Any:
        inner = _children(tree)
        if len(inner) != 1:
            return Unknown(self.source(tree).strip())
        return self.expr(inner[0])

    def _int_lit(self, tree: Any) -> int | Unknown:
        text = str(_tokens(tree)[0])
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (4,300): Terraform keeps it exact
            return Unknown(self.source(tree).strip())

    def _float_lit(self, tree: Any) -> float | int | Unknown:
        number = float(str(_tokens(tree)[0]))
        if not math.isfinite(number):  # 1e999 overflows a float: JSON has no Infinity, Terraform keeps it exact
            return Unknown(self.source(tree).strip())
        return int(number) if number.is_integer() else number

    def _literal_value(self, tree: Any) -> bool | None:
        return {"true": True, "false": False, "null": None}[str(_tokens(tree)[0])]

    def _identifier(self, tree: Any) -> Unknown:
        name = str(_tokens(tree)[0])
        return Unknown(name, ref=(name,))

    def _get_attr_expr_term(self, tree: Any) -> Unknown:
        base, attr = _children(tree)
        inner = self.expr(base).value
        name = self.name(_children(attr)[0])
        text = self.source(tree).strip()
        if isinstance(inner, Unknown) and inner.ref:
            return Unknown(text, ref=(*inner.ref, name))
        return Unknown(text)

    def _tuple(self, tree: Any) -> list[Expr]:
        return [self.expr(child) for child in _children(tree)]

    def _object(self, tree: Any) -> Expr:
        result: dict[str, Expr] = {}
        unknown_keys: list[tuple[str, Unknown]] = []
        for element in _children(tree):
            key_tree, value_tree = _children(element)
            key = self.object_key(key_tree)
            if key is None:
                raise HclError(self.line(element), "an object key must be a string, a number or a bool")
            if isinstance(key, Unknown):
                # Keys only Terraform knows may turn out equal: as Terraform does then, the last one stays.
                unknown_keys.append((key.placeholder, key))
                key = key.placeholder
                result.pop(key, None)
            elif key in result:
                raise HclError(self.line(element), f"duplicate object key {key!r}")
            result[key] = self.expr(value_tree)
        return Expr(result, self.line(tree), self.source(tree), tuple(unknown_keys))

    def object_key(self, tree: Any) -> str | Unknown | None:
        """The key as written, an Unknown, or None for a value that cannot be a key (null, a collection)."""
        (inner,) = _children(tree) or [None]
        if inner is None:
            return self.name(tree)  # a keyword used as a key
        if str(inner.data) == "expr_term" and len(_children(inner)) == 1:
            only = _children(inner)[0]
            if str(only.data) == "identifier":
                return self.name(only)  # a bare key: `app = "x"` means the string "app"
        value = self.expr(inner).value
        if value is None or isinstance(value, (list, dict)):
            return None
        return value if isinstance(value, Unknown) else key_text(value)

    def _string(self, tree: Any) -> str | Unknown:
        parts: list[str | Unknown] = []
        for part in _children(tree):
            for child in part.children:
                if hasattr(child, "data"):
                    kind = str(child.data)
                    if kind == "interpolation":
                        value = self.expr(_children(child)[0]).value
                        parts.append(_template_text(value))
                    else:  # %{if}/%{for} directives
                        parts.append(Unknown(self.source(child)))
                elif child.type == "STRING_CHARS":
                    parts.append(_unescape(str(child)))
                else:  # $${ and %%{: the literal ${ and %{
                    parts.append(str(child)[1:])
        return _join(parts, self.source(tree).strip()[1:-1])

    def _heredoc_template(self, tree: Any) -> str | Unknown:
        token = str(_tokens(tree)[0])
        match = _HEREDOC.match(token)
        if match is None:
            raise HclError(self.line(tree), "invalid heredoc")
        body = match[3]
        if match[1]:
            lines = body.split("\n")
            indents = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
            cut = min(indents, default=0)
            body = "\n".join(x[cut:] for x in lines)
        if _INTERPOLATION.search(body):
            return Unknown(body, template=True, parts=(Unknown(body, template=True),))
        return body.replace("$${", "${").replace("%%{", "%{")

    _heredoc_template_trim = _heredoc_template


def _template_text(value: Any) -> str | Unknown:
    """A value interpolated into a string: known scalars become text, anything else stays unknown."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return Unknown("(a collection)")


def _join(parts: list[str | Unknown], written: str) -> str | Unknown:
    if all(isinstance(p, str) for p in parts):
        return "".join(str(p) for p in parts)
    return Unknown(written, template=True, parts=tuple(parts))


def key_text(value: str | int | float | bool) -> str:
    """An object key's text when written as a known expression (`true = 1` means the key "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
