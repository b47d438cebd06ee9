"""migration-manager: plan zero-downtime schema changes, render them, prove them on a real database."""

__version__ = "0.1.0"
