"""Fill the schema model from a server's catalogs: one set-based query per kind of object.

Runs in one READ ONLY transaction with a short statement_timeout and a 1 s lock_timeout: the
deparsing functions (pg_get_expr, pg_get_indexdef, pg_get_viewdef) take ACCESS SHARE on each
table, so behind an ACCESS EXCLUSIVE holder the read gives up instead of queueing others.
Only user schemas are read (not pg_catalog,
information_schema, pg_toast or temporary schemas); objects that belong to an extension are
left out.
Sizes are the planner's own figures (reltuples, relpages), not pg_relation_size(), which takes a
lock on the table and would wait behind a migration holding ACCESS EXCLUSIVE.
"""

from __future__ import annotations

from typing import Any

import psycopg

from .model import (
    ColumnInfo,
    ConstraintInfo,
    IndexInfo,
    Schema,
    SequenceInfo,
    TableInfo,
    TriggerInfo,
    ViewInfo,
)

_USER_NS = """n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'"""
_NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                                AND e.objid = c.oid AND e.deptype = 'e')"""

_TABLES = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind::text,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),
       c.reltuples::bigint, c.relpages::bigint * current_setting('block_size')::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND {_USER_NS} AND {_NOT_EXTENSION}
"""

_COLUMNS = f"""
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {_USER_NS}
 ORDER BY a.attrelid, a.attnum
"""

_INDEXES = f"""
SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary, i.indisvalid,
       ARRAY(SELECT CASE WHEN k.attnum = 0 THEN NULL ELSE
                         (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = k.attnum) END
               FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord) ORDER BY k.ord),
       ARRAY(SELECT DISTINCT a.attname FROM pg_attribute a
              WHERE a.attrelid = i.indrelid AND a.attnum > 0 AND (
                    a.attnum = ANY (i.indkey)
                 OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                               AND d.objid = i.indexrelid AND d.refobjid = i.indrelid AND d.refobjsubid = a.attnum))),
       pg_get_expr(i.indpred, i.indrelid), am.amname,
       (SELECT conname FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
           AND k.contype IN ('p', 'u', 'x') LIMIT 1),
       (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent WHERE h.inhrelid = i.indexrelid)
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam
 WHERE c.relkind IN ('r', 'p') AND {_USER_NS}
 ORDER BY ic.relname
"""

_CONSTRAINTS = f"""
SELECT k.conrelid, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.convalidated,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS x(n, ord)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n ORDER BY x.ord),
       (SELECT relname FROM pg_class WHERE oid = k.conindid),
       rn.nspname, r.relname,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS x(n, ord)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n ORDER BY x.ord),
       k.conparentid <> 0 OR NOT k.conislocal
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class r ON r.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE c.relkind IN ('r', 'p') AND {_USER_NS} AND k.contype <> 'n'  -- 18's NOT NULL rows: attnotnull says it
 ORDER BY k.conname
"""

_TRIGGERS = f"""
SELECT t.tgrelid, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled <> 'D'
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal AND {_USER_NS}
 ORDER BY t.tgname
"""

_VIEWS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid), coalesce(c.reloptions, '{{}}'),
       ARRAY(SELECT DISTINCT ROW(tn.nspname, t.relname, coalesce(a.attname, ''))::text
               FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
               JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
               JOIN pg_namespace tn ON tn.oid = t.relnamespace
               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
              WHERE r.ev_class = c.oid AND t.oid <> c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND {_USER_NS} AND {_NOT_EXTENSION}
"""

_SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqstart, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle,
       CASE WHEN has_sequence_privilege(c.oid, 'SELECT') THEN pg_sequence_last_value(c.oid) END,
       tn.nspname, t.relname, a.attname, d.deptype = 'i'
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE {_USER_NS} AND {_NOT_EXTENSION}
"""

_TYPES = f"""
SELECT n.nspname, t.typname, t.typtype::text,
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid
                                            ORDER BY enumsortorder) END
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype IN ('e', 'd', 'r', 'm', 'c') AND {_USER_NS}
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid
                      AND e.deptype = 'e')
"""

_FUNCTIONS = f"""
SELECT DISTINCT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_USER_NS}
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                      AND e.deptype = 'e')
"""

_SCHEMAS = f"SELECT n.nspname FROM pg_namespace n WHERE {_USER_NS}"


def _row_text(value: str) -> tuple[str, str, str]:
    """(schema, table, column) from the text of ROW(...): '(public,orders,amount)', quoted where needed."""
    import csv

    inner = value[1:-1]
    parts = next(csv.reader([inner]))
    while len(parts) < 3:
        parts.append("")
    return parts[0], parts[1], parts[2]


def read_schema(conn: psycopg.Connection[Any], source: str) -> Schema:
    """Everything the planner asks about, from the database `conn` is connected to."""
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SET LOCAL statement_timeout = '10s'")
        conn.execute("SET LOCAL lock_timeout = '1s'")
        row = conn.execute("SELECT current_schemas(false)").fetchone()
        search_path = list(row[0]) if row else ["public"]
        schema = Schema(source=source, server_version=conn.info.server_version // 10000, search_path=search_path)
        by_oid: dict[int, TableInfo] = {}
        for oid, ns, name, kind, partkey, parent, reltuples, size in conn.execute(_TABLES):
            table = TableInfo(
                schema=ns,
                name=name,
                kind=kind,
                partition_key=partkey,
                parent=parent,
                rows=None if reltuples is None or reltuples < 0 else int(reltuples),
                bytes=int(size) if size is not None else None,
            )
            by_oid[oid] = table
            schema.tables[table.key] = table
        for t in schema.tables.values():
            if t.parent and t.parent in schema.tables:
                schema.tables[t.parent].partitions.append(t.key)
        for relid, name, typ, not_null, default, identity, generated in conn.execute(_COLUMNS):
            if relid in by_oid:
                by_oid[relid].columns[name] = ColumnInfo(
                    name=name,
                    type=typ,
                    not_null=bool(not_null),
                    default=None if generated else default,
                    identity=identity or "",
                    generated=generated or "",
                    generation=default if generated else None,
                )
        for relid, name, definition, unique, primary, valid, cols, deps, pred, method, con, parent in conn.execute(
            _INDEXES
        ):
            if relid in by_oid:
                by_oid[relid].indexes.append(
                    IndexInfo(
                        name=name,
                        definition=definition,
                        unique=bool(unique),
                        primary=bool(primary),
                        valid=bool(valid),
                        columns=tuple(cols),
                        depends_on=frozenset(deps),
                        predicate=pred,
                        method=method,
                        constraint=con,
                        parent_index=parent,
                    )
                )
        for relid, name, kind, definition, validated, cols, index, rns, rname, rcols, inherited in conn.execute(
            _CONSTRAINTS
        ):
            if relid in by_oid:
                by_oid[relid].constraints.append(
                    ConstraintInfo(
                        name=name,
                        kind=kind,
                        definition=definition,
                        validated=bool(validated),
                        columns=tuple(cols),
                        index=index,
                        ref_schema=rns,
                        ref_table=rname,
                        ref_columns=tuple(rcols),
                        inherited=bool(inherited),
                    )
                )
        for relid, name, definition, enabled in conn.execute(_TRIGGERS):
            if relid in by_oid:
                by_oid[relid].triggers.append(TriggerInfo(name=name, definition=definition, enabled=bool(enabled)))
        for _oid, ns, name, materialized, definition, options, deps in conn.execute(_VIEWS):
            view = ViewInfo(
                schema=ns,
                name=name,
                materialized=bool(materialized),
                definition=definition,
                depends_on=frozenset(_row_text(d) for d in deps),
                options=tuple(options),
            )
            schema.views[view.key] = view
        for ns, name, typ, inc, start, lo, hi, cache, cycle, last, tns, tname, col, identity in conn.execute(
            _SEQUENCES
        ):
            seq = SequenceInfo(
                schema=ns,
                name=name,
                type=typ,
                increment=int(inc),
                start=int(start),
                min_value=int(lo),
                max_value=int(hi),
                cache=int(cache),
                cycle=bool(cycle),
                last_value=int(last) if last is not None else None,
                owned_by=(tns, tname, col) if tname else None,
                identity=bool(identity),
            )
            schema.sequences[seq.key] = seq
        for ns, name, kind, labels in conn.execute(_TYPES):
            schema.types.add(f"{ns}.{name}")
            if kind == "e":
                schema.enums[f"{ns}.{name}"] = list(labels or [])
        schema.functions = {f"{ns}.{name}" for ns, name in conn.execute(_FUNCTIONS)}
        schema.extensions = {name for (name,) in conn.execute("SELECT extname FROM pg_extension")}
        schema.schemas = {name for (name,) in conn.execute(_SCHEMAS)}
    for t in schema.tables.values():  # a partitioned table's size is its partitions'
        if t.partitioned and t.partitions:
            parts = [schema.tables[p] for p in t.partitions if p in schema.tables]
            known = [p.rows for p in parts if p.rows is not None]
            t.rows = sum(known) if known else None
            t.bytes = sum(p.bytes or 0 for p in parts)
    return schema
