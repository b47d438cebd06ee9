"""Plan -> files, one module per framework, templates in templates/<framework>/."""

from .alembic import render_alembic
from .files import RenderedFile, write_files
from .flyway import render_flyway
from .liquibase import render_liquibase
from .rails import render_rails
from .sql import render_sql

__all__ = [
    "RenderedFile",
    "render_alembic",
    "render_flyway",
    "render_liquibase",
    "render_rails",
    "render_sql",
    "write_files",
]
