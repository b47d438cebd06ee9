"""Rails migrations parsed by Ruby itself (RubyVM::AbstractSyntaxTree), all files of a run in one
`ruby` process, into the plain tree read_rails.py reads (the same tree rails_fallback.py builds
where Ruby is not installed). Nothing is run: the files are parsed, never loaded."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

# stdin: a JSON list of file texts; stdout: a JSON list of {"body": [...]} or {"error": "..."}
_SCRIPT = r"""
require "json"
def val(n)
  return {"k" => "nil"} if n.nil?
  c = n.children
  case n.type
  when :LIT
    v = c[0]
    case v
    when Symbol then {"k" => "sym", "v" => v.to_s}
    when Integer then {"k" => "int", "v" => v}
    when Float then {"k" => "float", "v" => v}
    else {"k" => "unknown", "line" => n.first_lineno}
    end
  when :STR then {"k" => "str", "v" => c[0], "line" => n.first_lineno, "heredoc" => heredoc?(n)}
  when :TRUE then {"k" => "true"}
  when :FALSE then {"k" => "false"}
  when :NIL then {"k" => "nil"}
  when :ZLIST then {"k" => "array", "v" => []}
  when :LIST then {"k" => "array", "v" => c.compact.map { |e| val(e) }}
  when :HASH
    items = c[0] ? c[0].children.compact : []
    unknown = items.length.odd? || items.each_slice(2).any? { |k, _| k.nil? }
    return {"k" => "unknown", "line" => n.first_lineno} if unknown
    {"k" => "hash", "v" => items.each_slice(2).map { |k, v| [val(k), val(v)] }}
  when :LAMBDA
    body = c[0].children[2]
    return {"k" => "lambda", "v" => body.children[0]} if body && body.type == :STR
    {"k" => "unknown", "line" => n.first_lineno}
  when :CONST then {"k" => "const", "v" => c[0].to_s}
  when :CALL
    inner = c[0] && c[2].nil? && val(c[0])
    # "...".squish, <<~SQL.strip, %w[a b].freeze: the literal, and what is done to it
    if inner && inner["k"] == "str" && STRING_METHODS.include?(c[1].to_s)
      inner.merge("then" => (inner["then"] || []) + [c[1].to_s])
    elsif inner && inner["k"] != "unknown" && c[1] == :freeze
      inner
    else
      {"k" => "unknown", "line" => n.first_lineno}
    end
  when :DVAR, :LVAR then {"k" => "var", "v" => c[0].to_s}
  when :VCALL then {"k" => "var", "v" => c[0].to_s}  # `connection`: a name, as the Python reader has it
  when :COLON2
    inner = c[0] ? val(c[0]) : nil
    return {"k" => "const", "v" => "#{inner["v"]}::#{c[1]}"} if inner && inner["k"] == "const"
    {"k" => "unknown", "line" => n.first_lineno}
  when :DSYM
    {"k" => "unknown", "line" => n.first_lineno}
  else {"k" => "unknown", "line" => n.first_lineno}
  end
end
STRING_METHODS = %w[squish strip strip_heredoc chomp freeze].freeze
def heredoc?(n)
  line = $lines[n.first_lineno - 1] || ""
  line[n.first_column, 2] == "<<"
end
def block(scope)
  {"params" => scope.children[0].map(&:to_s), "body" => stmts(scope.children[2])}
end
def call(n, blk)
  c = n.children
  case n.type
  when :FCALL then recv, name, args = nil, c[0], c[1]
  when :VCALL then recv, name, args = nil, c[0], nil
  when :CALL, :QCALL then recv, name, args = val(c[0]), c[1], c[2]
  end
  args = if args.nil? then []
         elsif args.type == :LIST then args.children.compact.map { |a| val(a) }
         else [{"k" => "unknown", "line" => n.first_lineno}]  # a splat, a block argument
         end
  {"k" => "call", "recv" => recv, "name" => name.to_s, "args" => args, "block" => blk,
   "line" => n.first_lineno, "col" => n.first_column + 1}
end
def stmt(n)
  c = n.children
  case n.type
  when :FCALL, :VCALL, :CALL, :QCALL then call(n, nil)
  when :ITER
    inner = c[0]
    return {"k" => "other", "line" => n.first_lineno} unless %i[FCALL VCALL CALL QCALL].include?(inner.type)
    call(inner, block(c[1]))
  when :CLASS
    sup = c[1]
    s = nil
    if sup && sup.type == :CALL && sup.children[1] == :[]
      base = val(sup.children[0])
      ver = sup.children[2] && sup.children[2].children[0]
      s = {"name" => base["v"], "version" => (ver && ver.type == :LIT ? ver.children[0].to_s : nil)}
    elsif sup
      base = val(sup)
      s = {"name" => base["v"], "version" => nil}
    end
    path = val(c[0])
    {"k" => "class", "name" => (path["v"] || c[0].children[1].to_s), "super" => s, "body" => stmts(c[2].children[2]),
     "line" => n.first_lineno}
  when :CDECL
    # NAME = value; A::NAME = value (a constant of another module) is no constant of the class
    return {"k" => "other", "line" => n.first_lineno} unless c[0].is_a?(Symbol) && c.length == 2
    {"k" => "const_def", "name" => c[0].to_s, "value" => val(c[1]), "line" => n.first_lineno}
  when :MODULE then {"k" => "module", "body" => stmts(c[1].children[2]), "line" => n.first_lineno}
  when :DEFN
    {"k" => "def", "name" => c[0].to_s, "self" => false, "body" => stmts(c[1].children[2]), "line" => n.first_lineno}
  when :DEFS
    {"k" => "def", "name" => c[1].to_s, "self" => true, "body" => stmts(c[2].children[2]), "line" => n.first_lineno}
  else {"k" => "other", "line" => n.first_lineno}
  end
end
def stmts(n)
  return [] if n.nil?
  return n.children.compact.map { |s| stmt(s) } if n.type == :BLOCK
  return [] if n.type == :BEGIN && n.children.compact.empty?
  [stmt(n)]
end
out = JSON.parse($stdin.read).map do |text|
  $lines = text.lines
  begin
    {"body" => stmts(RubyVM::AbstractSyntaxTree.parse(text).children[2])}
  rescue SyntaxError => e
    {"error" => "not valid Ruby (#{e.message.lines.first.to_s.strip})"}
  rescue StandardError => e  # a form this script does not know: the file, not the run, is not read
    {"error" => "a form the reader does not follow (#{e.class})"}
  end
end
$stdout.write(JSON.generate(out))
"""


def ruby() -> str | None:
    return shutil.which("ruby")


def parse_all(texts: list[str], executable: str) -> list[dict[str, Any]]:
    """Each text's tree ({"body": [...]}, or {"error": "..."} for a file Ruby does not parse)."""
    done = subprocess.run(
        [executable, "-e", _SCRIPT], input=json.dumps(texts), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruby could not parse the migrations: {done.stderr.strip()[:500]}")
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result
