"""Rails migrations read in Python where Ruby is not installed: a tokenizer of Ruby's literal call
forms (symbols, strings, heredocs, numbers, arrays, hashes, `do |t| ... end` / `{ }` blocks,
classes and defs) building the same tree rails_ruby.py gets from Ruby's parser. Anything else
(conditions, assignments, expressions) becomes an "other" statement or an unknown value, as a
note says; it never guesses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""(?P<nl>\n)|(?P<space>[ \t\r]+|\\\n)|(?P<comment>\#[^\n]*)
    |(?P<heredoc><<[~-]?(?P<hq>['"]?)(?P<hid>[A-Z_][A-Za-z0-9_]*)(?P=hq))
    |(?P<pct>%[wiWI]?[\[({<])
    |(?P<float>\d[\d_]*\.\d[\d_]*)|(?P<int>\d[\d_]*)
    |(?P<label>[a-z_][A-Za-z0-9_]*[?!]?:(?!:))
    |(?P<sym>:[A-Za-z_][A-Za-z0-9_]*[?!=]?|:"(?:[^"\\]|\\.)*")
    |(?P<id>[a-z_][A-Za-z0-9_]*[?!]?)|(?P<const>[A-Z][A-Za-z0-9_]*)|(?P<ivar>@@?[A-Za-z_]\w*)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>::|=>|->|&&|\|\||==|!=|<=|>=|\*\*|&\.|[-+*/=<>!?|&^~%.,;:()\[\]{}])""",
    re.VERBOSE | re.DOTALL,
)
_CLOSE = {"[": "]", "(": ")", "{": "}", "<": ">"}
_ESCAPES = {"n": "\n", "t": "\t", "s": " ", "0": "\0", "e": "\x1b"}
_OPENERS = {"class", "module", "def", "do", "begin", "case", "while", "until", "for", "if", "unless"}
STRING_METHODS = ("squish", "strip", "strip_heredoc", "chomp", "freeze")
_CONTINUE = {",", "(", "[", "{", "|", "=>", ".", "&&", "||", "&.", "->", "=", "+", "-", "*"}


@dataclass
class Tok:
    kind: str
    text: str
    line: int
    col: int  # 1-based
    value: Any = None
    start: bool = False  # first token of its line (an `if` here opens a block; after a call, modifies it)
    spaced: bool = False  # whitespace before it


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


def _dedent(lines: list[str]) -> str:
    widths = [len(s) - len(s.lstrip(" \t")) for s in lines if s.strip()]
    cut = min(widths, default=0)
    return "".join(s[cut:] if s.strip() else s.lstrip(" \t") for s in lines)


def _closing(text: str, pos: int, opener: str) -> int:
    """Where a %-literal opened by `opener` just before `pos` closes (nested pairs and escapes
    stepped over, as Ruby does: %{a #{b} c} is one string)."""
    close, depth = _CLOSE[opener], 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        depth += (char == opener) - (char == close)
        if depth == 0:
            return pos
        pos += 1
    return len(text)


def tokens(text: str) -> list[Tok]:
    out: list[Tok] = []
    pos, line, line_start = 0, 1, 0
    pending: list[Tok] = []  # heredocs whose bodies start on the next line
    depth = 0  # inside ( or [: newlines do not end a statement
    spaced, start = False, True
    while pos < len(text):
        if start and text.startswith("=begin", pos):
            end = text.find("\n=end", pos)
            end = len(text) if end < 0 else end + 5
            line += text.count("\n", pos, end)
            pos = end
            continue
        if start and text.startswith("__END__", pos):
            break
        m = _TOKEN.match(text, pos)
        if m is None:  # a character no call form has: an opaque token
            out.append(Tok("op", text[pos], line, pos - line_start + 1, start=start, spaced=spaced))
            pos += 1
            spaced = start = False
            continue
        kind = m.lastgroup or "op"
        if kind in ("heredoc",):
            kind = "heredoc"
        elif m.group("nl") is not None:
            kind = "nl"
        col = pos - line_start + 1
        piece = m.group(0)
        pos = m.end()
        if kind == "space":
            line += piece.count("\n")
            spaced = True
            continue
        if kind == "comment":
            continue
        if kind == "nl":
            for doc in pending:  # their bodies: the lines up to each terminator
                terminator, squiggly, raw = doc.value
                body: list[str] = []
                while pos < len(text):
                    end = text.find("\n", pos)
                    end = len(text) if end < 0 else end + 1
                    row = text[pos:end]
                    pos = end
                    line += 1
                    if (row.strip() if squiggly is not None else row.rstrip("\r\n")) == terminator:
                        break
                    body.append(row)
                content = _dedent(body) if squiggly else "".join(body)
                doc.kind = "str"
                doc.value = content if raw else (None if "#{" in content else _unescape(content))
            pending = []
            line += 1
            line_start = pos
            if depth == 0 and not (out and out[-1].text in _CONTINUE and out[-1].kind == "op"):
                if out and out[-1].kind == "label":
                    pass
                elif not out or out[-1].kind != "nl":
                    out.append(Tok("nl", "\n", line - 1, col))
            spaced, start = False, True
            continue
        tok = Tok(kind, piece, line, col, start=start, spaced=spaced)
        spaced = start = False
        if kind == "heredoc":
            squiggly = True if piece[2] == "~" else (False if piece[2] == "-" else None)
            tok.value = (m.group("hid"), squiggly, m.group("hq") == "'")
            pending.append(tok)
        elif kind == "str":
            inner = piece[1:-1]
            if piece[0] == "'":
                tok.value = re.sub(r"\\([\\'])", r"\1", inner)
            else:
                tok.value = None if "#{" in inner else _unescape(inner)
        elif kind == "pct":
            end = _closing(text, pos, piece[-1])
            words = text[pos:end].split()
            line += text.count("\n", pos, end)
            pos = end + 1
            letter = piece[1] if len(piece) > 2 else "q"
            if letter in "wWiI":
                tok.kind, tok.value = "words", (letter.lower(), words)
            else:
                inner = text[m.end() : end]  # %{...} / %(...): a double-quoted string
                tok.kind, tok.value = "str", None if "#{" in inner else _unescape(inner)
        elif kind == "sym":
            tok.value = _unescape(piece[2:-1]) if piece[1] == '"' else piece[1:]
        elif kind == "int":
            tok.value = int(piece.replace("_", ""))
        elif kind == "float":
            tok.value = float(piece.replace("_", ""))
        elif kind == "label":
            tok.value = piece[:-1]
        elif kind == "op" and piece in "([":
            depth += 1
        elif kind == "op" and piece in ")]":
            depth = max(0, depth - 1)
        out.append(tok)
    out.append(Tok("nl", "\n", line, 1))
    out.append(Tok("eof", "", line, 1))
    return out


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "id") and self.tok.text in texts

    def skip_nl(self) -> None:
        while self.tok.kind == "nl" or self.at(";"):
            self.next()

    # --- statements ------------------------------------------------------------------------
    def stmts(self, until: tuple[str, ...]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        self.skip_nl()
        while self.tok.kind != "eof" and not self.at(*until):
            out.append(self.stmt())
            self.skip_nl()
        if self.tok.kind != "eof":
            self.next()
        return out

    def stmt(self) -> dict[str, Any]:
        tok = self.tok
        if tok.kind == "id" and tok.text == "class":
            return self.klass()
        if tok.kind == "id" and tok.text == "module":
            self.next()
            self.rest_of_line()
            return {"k": "module", "body": self.stmts(("end",)), "line": tok.line}
        if tok.kind == "id" and tok.text == "def":
            return self.definition()
        if tok.kind == "id" and tok.text in _OPENERS | {"return", "raise", "yield", "super", "self", "not"}:
            return self.other(tok)
        if tok.kind == "const" and self.toks[self.i + 1].text == "=" and self.toks[self.i + 1].kind == "op":
            self.next()
            self.next()
            start = self.i
            literal = self.value()
            if self.tok.kind == "nl" or self.at(";", "end") or self.tok.kind == "eof":
                return {"k": "const_def", "name": tok.text, "value": literal, "line": tok.line}
            self.i = start
            self.other(tok)
            return {"k": "const_def", "name": tok.text, "value": {"k": "unknown", "line": tok.line}, "line": tok.line}
        if tok.kind in ("id", "const"):
            start = self.i
            node = self.call()
            if node is not None and (self.tok.kind == "nl" or self.at(";", "end", "}") or self.tok.kind == "eof"):
                return node
            self.i = start
        return self.other(tok)

    def other(self, first: Tok) -> dict[str, Any]:
        """A statement lint does not read: stepped over to its end, blocks and brackets balanced."""
        depth = 0
        while self.tok.kind != "eof":
            tok = self.tok
            ends = tok.kind == "nl" or tok.text == ";"
            if depth == 0 and (ends or (tok.text in ("end", "}") and tok.kind != "str" and tok is not first)):
                break
            self.next()
            if (
                tok.kind == "id"
                and (
                    tok.text in ("class", "module", "def", "do", "begin", "case", "while", "until")
                    or (tok.text in ("if", "unless") and (tok.start or tok is first))
                )
            ) or (tok.kind == "op" and tok.text in "({["):
                depth += 1
            elif (tok.kind == "id" and tok.text == "end") or (tok.kind == "op" and tok.text in ")}]"):
                depth -= 1
        return {"k": "other", "line": first.line}

    def rest_of_line(self) -> None:
        while self.tok.kind not in ("nl", "eof") and not self.at(";"):
            self.next()

    def klass(self) -> dict[str, Any]:
        line = self.next().line
        name = self.const_path()
        sup = None
        if self.at("<"):
            self.next()
            base = self.const_path()
            version = None
            if self.at("["):
                self.next()
                if self.tok.kind in ("float", "int"):
                    version = str(self.next().value)
                while not self.at("]") and self.tok.kind != "eof":
                    self.next()
                self.next()
            sup = {"name": base, "version": version}
        self.rest_of_line()
        return {"k": "class", "name": name, "super": sup, "body": self.stmts(("end",)), "line": line}

    def const_path(self) -> str | None:
        parts: list[str] = []
        while self.tok.kind == "const" or self.at("::"):
            tok = self.next()
            if tok.kind == "const":
                parts.append(tok.text)
        return "::".join(parts) or None

    def definition(self) -> dict[str, Any]:
        line = self.next().line
        is_self = False
        if self.tok.text == "self" and self.toks[self.i + 1].text == ".":
            self.next()
            self.next()
            is_self = True
        name = self.next().text
        if self.at("("):
            self.balanced()
        self.rest_of_line()
        return {"k": "def", "name": name, "self": is_self, "body": self.stmts(("end",)), "line": line}

    def balanced(self) -> None:
        """Steps over ( ... ), [ ... ] or { ... } (the opener is the current token)."""
        depth = 0
        while self.tok.kind != "eof":
            tok = self.next()
            if tok.kind == "op" and tok.text in "([{":
                depth += 1
            elif tok.kind == "op" and tok.text in ")]}":
                depth -= 1
                if depth == 0:
                    return

    # --- calls -----------------------------------------------------------------------------
    def call(self) -> dict[str, Any] | None:
        first = self.tok
        recv: dict[str, Any] | None = None
        if first.kind == "const":
            path = self.const_path()
            recv = {"k": "const", "v": path}
            if not self.at("."):
                return None
        else:
            if self.tok.kind != "id":
                return None
            name_tok = self.next()
            if self.at(".", "&."):  # t.string, dir.up: a variable's method
                recv = {"k": "var", "v": name_tok.text}
        hops = 0
        while self.at(".", "&."):  # User.where(...).update_all: a chain only running it follows
            self.next()
            if self.tok.kind not in ("id", "const"):
                return None
            name_tok = self.next()
            hops += 1
            if hops > 1:
                recv = {"k": "unknown", "line": first.line}
            if self.at("(") and not self.tok.spaced and self._chained():
                self.balanced()
                recv = {"k": "unknown", "line": first.line}
        if recv is not None and hops == 0:
            return None
        operator = self.at("+", "-", "*", "/", "==", "&&", "||", "?") and self.tok.spaced
        negative = self.at("-") and self.toks[self.i + 1].kind in ("int", "float")
        if self.at("=") or (operator and not negative):  # an assignment, an expression
            return None
        args: list[dict[str, Any]] = []
        if self.at("(") and not self.tok.spaced:
            self.next()
            args = self.arglist((")",))
            self.next()
        elif self.tok.kind not in ("nl", "eof") and not self.at(";", "end", "}", "do", "{", "if", "unless"):
            args = self.arglist(("do", "}", "end", ";", "if", "unless"))
        block = None
        if self.at("do") or (self.at("{") and (not args or self.toks[self.i - 1].text == ")")):
            block = self.block()
        if self.at("if", "unless", "while", "until", "rescue"):
            return None
        return {
            "k": "call",
            "recv": recv,
            "name": name_tok.text,
            "args": args,
            "block": block,
            "line": first.line,
            "col": first.col,
        }

    def _chained(self) -> bool:
        j, depth = self.i, 0
        while j < len(self.toks):
            t = self.toks[j]
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                depth -= 1
                if depth == 0:
                    return self.toks[j + 1].text in (".", "&.")
            j += 1
        return False

    def block(self) -> dict[str, Any]:
        close = "end" if self.next().text == "do" else "}"
        params: list[str] = []
        if self.at("|"):
            self.next()
            while not self.at("|") and self.tok.kind != "eof":
                tok = self.next()
                if tok.kind == "id":
                    params.append(tok.text)
            self.next()
        return {"params": params, "body": self.stmts((close,))}

    def arglist(self, until: tuple[str, ...]) -> list[dict[str, Any]]:
        args: list[dict[str, Any]] = []
        pairs: list[list[dict[str, Any]]] | None = None
        while True:
            self.skip_nl() if until == (")",) else None
            if self.tok.kind in ("nl", "eof") or self.at(*until):
                break
            if self.tok.kind == "label":
                key = self.next()
                pairs = pairs if pairs is not None else []
                pairs.append([{"k": "sym", "v": key.value}, self.value()])
            elif self.at("*") and self.toks[self.i + 1].kind == "words":  # *%i[a b]: Ruby spreads it
                self.next()
                args.extend(self.value()["v"])
            else:
                v = self.value()
                if self.at("=>"):
                    self.next()
                    pairs = pairs if pairs is not None else []
                    pairs.append([v, self.value()])
                else:
                    args.append(v)
            if self.at(","):
                self.next()
                continue
            if self.tok.kind != "nl" and not self.at(*until):
                # not a literal argument list: the rest is an expression
                line = self.tok.line
                while self.tok.kind not in ("nl", "eof") and not self.at(*until):
                    if self.at("(", "[", "{"):
                        self.balanced()
                    else:
                        self.next()
                args.append({"k": "unknown", "line": line})
                pairs = None if pairs is None else pairs
            break
        if pairs is not None:
            args.append({"k": "hash", "v": pairs})
        return args

    def value(self) -> dict[str, Any]:
        tok = self.tok
        node = self._value()
        # "...".squish, <<~SQL.strip, %w[a b].freeze: the literal, and what is done to it
        while self.at(".") and self.toks[self.i + 1].text in STRING_METHODS and node["k"] != "unknown":
            after = self.toks[self.i + 2]
            if after.text in ("(", ".", "[") and not after.spaced and after.kind == "op" and after.text != ".":
                break
            method = self.toks[self.i + 1].text
            if node["k"] == "str":
                node = {**node, "then": [*node.get("then", []), method]}
            elif method != "freeze":
                break
            self.next()
            self.next()
        # an expression (a method call on the value, an operator): only running it tells
        if self.at(".", "&.", "+", "*", "/", "%", "==", "?", "&&", "||", "::", "[") and not (
            self.at("[") and self.tok.spaced
        ):
            while not self.at(",", ")", "]", "}", *(("do",) if True else ())) and self.tok.kind not in ("nl", "eof"):
                if self.at("(", "[", "{"):
                    self.balanced()
                else:
                    self.next()
            return {"k": "unknown", "line": tok.line}
        return node

    def _value(self) -> dict[str, Any]:
        tok = self.next()
        if tok.kind == "sym":
            return {"k": "sym", "v": tok.value}
        if tok.kind in ("str", "heredoc"):
            if tok.value is None or tok.kind == "heredoc":
                return {"k": "unknown", "line": tok.line}
            return {"k": "str", "v": tok.value, "line": tok.line, "heredoc": tok.text.startswith("<<")}
        if tok.kind == "words":
            letter, words = tok.value
            kind = "sym" if letter == "i" else "str"
            return {
                "k": "array",
                "v": [
                    {"k": kind, "v": w} | ({"line": tok.line, "heredoc": False} if kind == "str" else {}) for w in words
                ],
            }
        if tok.kind in ("int", "float"):
            return {"k": tok.kind, "v": tok.value}
        if tok.kind == "op" and tok.text == "-" and self.tok.kind in ("int", "float"):
            num = self.next()
            return {"k": num.kind, "v": -num.value}
        if tok.kind == "id" and tok.text in ("true", "false", "nil"):
            return {"k": tok.text}
        if tok.kind == "op" and tok.text == "[":
            items: list[dict[str, Any]] = []
            self.skip_nl()
            while not self.at("]") and self.tok.kind != "eof":
                items.append(self.value())
                self.skip_nl()
                if self.at(","):
                    self.next()
                self.skip_nl()
            self.next()
            return {"k": "array", "v": items}
        if tok.kind == "op" and tok.text == "{":
            pairs: list[list[dict[str, Any]]] = []
            self.skip_nl()
            while not self.at("}") and self.tok.kind != "eof":
                if self.tok.kind == "label":
                    key = self.next()
                    pairs.append([{"k": "sym", "v": key.value}, self.value()])
                else:
                    k = self.value()
                    if not self.at("=>"):
                        self.i -= 1
                        self.balanced_to("}")
                        return {"k": "unknown", "line": tok.line}
                    self.next()
                    pairs.append([k, self.value()])
                self.skip_nl()
                if self.at(","):
                    self.next()
                self.skip_nl()
            self.next()
            return {"k": "hash", "v": pairs}
        if tok.kind == "op" and tok.text == "->":
            if self.at("("):
                self.balanced()
            close = "}" if self.at("{") else "end"
            self.next()
            self.skip_nl()
            body = self.tok
            if body.kind == "str" and body.value is not None:
                self.next()
                self.skip_nl()
                if self.at(close):
                    self.next()
                    return {"k": "lambda", "v": body.value}
            self.balanced_to(close)
            return {"k": "unknown", "line": tok.line}
        if tok.kind == "const":
            self.i -= 1
            path = self.const_path()
            return {"k": "const", "v": path}
        if tok.kind == "id":
            if self.at("(") and not self.tok.spaced:
                self.balanced()
            return {"k": "unknown", "line": tok.line}
        if tok.kind == "op" and tok.text in "([{":
            self.i -= 1
            self.balanced()
        return {"k": "unknown", "line": tok.line}

    def balanced_to(self, close: str) -> None:
        depth = 0
        while self.tok.kind != "eof":
            tok = self.next()
            if tok.text in ("(", "[", "{", "do") and tok.kind in ("op", "id"):
                depth += 1
            elif tok.text in (")", "]", "}", "end") and tok.kind in ("op", "id"):
                if depth == 0 and tok.text == close:
                    return
                depth -= 1


def parse(text: str) -> dict[str, Any]:
    """The file's tree in rails_ruby.py's shape (no syntax errors reported: what is not read is noted)."""
    try:
        return {"body": _Parser(tokens(text)).stmts(("\0",))}
    except (IndexError, RecursionError) as exc:  # a form this reader does not follow: the file is not read
        return {"error": f"a form the reader does not follow ({type(exc).__name__})"}
