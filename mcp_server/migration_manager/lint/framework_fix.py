"""A fix in the words of the framework the migration is written for: the op.* call, the Django
operation or the Rails DSL call that does what the SQL fix does. The rules write the SQL (and the planner the plans);
this only says how to write it in an Alembic revision or a Django migration."""

from __future__ import annotations

import re

from .pyread import Framework

_SQL = re.compile(r"(--|[A-Z]{3,}\b)")  # a fix in SQL (or the planner's migrations), not in words

_OUTSIDE = {
    "alembic": "inside `with op.get_context().autocommit_block():` (Alembic runs upgrade() in a transaction)",
    "django": "in a migration with `atomic = False` (Django runs a migration in a transaction)",
    "liquibase": 'in a changeSet with runInTransaction="false" (Liquibase runs each changeSet in a transaction)',
    "rails": "and `disable_ddl_transaction!` in the migration class (Rails runs a migration in a transaction)",
}
_CALL = {
    "alembic": {
        "add-column-not-null-without-default": "op.add_column(..., sa.Column(..., nullable=False, "
        "server_default=<constant>)); or nullable=True, a batched backfill, then op.alter_column(..., nullable=False)",
        "index-without-concurrently": "op.create_index(..., postgresql_concurrently=True) " + _OUTSIDE["alembic"],
        "drop-index-without-concurrently": "op.drop_index(..., postgresql_concurrently=True) " + _OUTSIDE["alembic"],
        "concurrently-in-transaction": "run it " + _OUTSIDE["alembic"],
        "constraint-missing-not-valid": "postgresql_not_valid=True on op.create_foreign_key / "
        "op.create_check_constraint, then op.execute the VALIDATE CONSTRAINT in a later revision",
        "missing-lock-timeout": 'op.execute("SET lock_timeout = ...") first in upgrade()',
    },
    "django": {
        "add-column-not-null-without-default": "AddField with db_default=<constant> (Django 5.0+), or null=True, "
        "a batched backfill (RunPython), then AlterField to null=False",
        "index-without-concurrently": "AddIndexConcurrently (django.contrib.postgres.operations) " + _OUTSIDE["django"],
        "drop-index-without-concurrently": "RemoveIndexConcurrently (django.contrib.postgres.operations) "
        + _OUTSIDE["django"],
        "concurrently-in-transaction": "set `atomic = False` on the Migration class",
        "constraint-missing-not-valid": "AddConstraintNotValid, then ValidateConstraint in a later migration "
        "(both django.contrib.postgres.operations)",
        "missing-lock-timeout": 'migrations.RunSQL("SET lock_timeout = ...") first in operations',
    },
    "liquibase": {
        "add-column-not-null-without-default": '<column ... defaultValue="<constant>"> with <constraints '
        'nullable="false"/>; or nullable, an update in batches, then addNotNullConstraint',
        "index-without-concurrently": "createIndex has no CONCURRENTLY attribute: a <sql> change with "
        "CREATE INDEX CONCURRENTLY " + _OUTSIDE["liquibase"],
        "drop-index-without-concurrently": "dropIndex has no CONCURRENTLY attribute: a <sql> change with "
        "DROP INDEX CONCURRENTLY " + _OUTSIDE["liquibase"],
        "concurrently-in-transaction": 'set runInTransaction="false" on the changeSet (Liquibase runs each '
        "changeSet in a transaction)",
        "constraint-missing-not-valid": 'validate="false" on addForeignKeyConstraint (a <sql> change with '
        "NOT VALID for a CHECK), then a <sql> change with VALIDATE CONSTRAINT in a later changeSet",
        "missing-lock-timeout": "a <sql> change with SET lock_timeout = ... first in the changeSet",
    },
    "rails": {
        "add-column-not-null-without-default": "add_column ..., null: false, default: <constant>; or add it nullable, "
        "backfill in batches, then change_column_null ..., false",
        "index-without-concurrently": "add_index ..., algorithm: :concurrently " + _OUTSIDE["rails"],
        "drop-index-without-concurrently": "remove_index ..., algorithm: :concurrently " + _OUTSIDE["rails"],
        "concurrently-in-transaction": "add `disable_ddl_transaction!` to the migration class",
        "constraint-missing-not-valid": "add_foreign_key ... / add_check_constraint ..., validate: false, then "
        "validate_foreign_key / validate_check_constraint in a second migration",
        "set-not-null-scan": 'add_check_constraint :table, "column IS NOT NULL", validate: false; in a second '
        "migration validate_check_constraint, then change_column_null :table, :column, false",
        "missing-lock-timeout": 'execute "SET lock_timeout = ..." first in change / up',
    },
}
_NAME = {"alembic": "Alembic", "django": "Django", "liquibase": "Liquibase", "rails": "Rails"}
_AS_SQL = {
    "alembic": "op.execute() the SQL below in place of the op.* call",
    "django": "migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL(the SQL below)], "
    "state_operations=[the operation]) in place of the operation",
    "liquibase": "a <sql> change with the SQL below in place of the change",
    "rails": "execute <<~SQL with the SQL below in place of the DSL call",
}


def worded(framework: Framework | None, rule: str, fix: str | None, from_call: bool) -> str | None:
    """`fix` (SQL) headed by what to write in the migration; `from_call`: the statement was built
    from an op.* call or a Django operation (not SQL written out in op.execute / RunSQL)."""
    if framework is None or fix is None:
        return fix
    words = _CALL[framework].get(rule)
    if words is None and from_call and _SQL.match(fix):
        words = _AS_SQL[framework]
    if words is None:
        return fix
    if rule == "concurrently-in-transaction":
        return words
    return f"-- {_NAME[framework]}: {words}\n{fix}"
