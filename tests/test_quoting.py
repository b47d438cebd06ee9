"""Our identifier and literal quoting agrees with the server's, for any name (PG18 and 15)."""

from __future__ import annotations

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS, UNRESERVED_KEYWORDS

from conftest import Server
from migration_manager.ident import MAX_IDENTIFIER_BYTES, derived_name, quote_ident, quote_literal

KEYWORDS = sorted(RESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | UNRESERVED_KEYWORDS)
# Any character PostgreSQL accepts in a UTF-8 identifier: everything but NUL and surrogates.
CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
NAMES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.from_regex(r"[a-z_][a-z0-9_$]{0,20}", fullmatch=True),
    st.text(alphabet=CHARS, min_size=1, max_size=20),
).filter(lambda s: len(s.encode()) <= MAX_IDENTIFIER_BYTES)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _server_quote(conn: psycopg.Connection[tuple[object, ...]], name: str) -> str:
    row = conn.execute("SELECT quote_ident(%s)", (name,)).fetchone()
    assert row is not None
    return str(row[0])


def _agrees(server_quoted: str, ours: str, name: str) -> None:
    """Equal to the server's quote_ident, except that we also quote words that are keywords in a
    newer PostgreSQL than this server (pglast 8 ships the 18 grammar): quoting more is harmless,
    quoting less would break."""
    if ours != server_quoted:
        assert server_quoted == name and name in KEYWORDS, (name, ours, server_quoted)


@SETTINGS
@given(name=NAMES)
def test_quote_ident_matches_the_server(server: Server, name: str) -> None:
    with psycopg.connect(server.admin_uri, autocommit=True) as conn:
        _agrees(_server_quote(conn, name), quote_ident(name), name)
        # and the quoted form names exactly `name` when the server parses it
        back = conn.execute(f"SELECT {quote_ident(name)}.x FROM (SELECT 1 AS x) AS {quote_ident(name)}").fetchone()
        assert back == (1,)


def test_every_keyword_of_the_server_is_quoted_when_it_must_be(server: Server) -> None:
    with psycopg.connect(server.admin_uri, autocommit=True) as conn:
        words = [str(r[0]) for r in conn.execute("SELECT word FROM pg_get_keywords()").fetchall()]
        assert len(words) > 400
        for word in words:
            _agrees(_server_quote(conn, word), quote_ident(word), word)


@SETTINGS
@given(value=st.text(alphabet=CHARS, max_size=40))
def test_quote_literal_round_trips(server: Server, value: str) -> None:
    with psycopg.connect(server.admin_uri, autocommit=True) as conn:
        row = conn.execute(f"SELECT {quote_literal(value)}::text").fetchone()
    assert row == (value,)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.text(alphabet=CHARS, min_size=1, max_size=40), min_size=1, max_size=3))
def test_derived_names_fit_and_keep_their_suffix(parts: list[str]) -> None:
    name = derived_name(*parts, suffix="not_null")
    assert len(name.encode()) <= MAX_IDENTIFIER_BYTES
    assert name.endswith("_not_null")
