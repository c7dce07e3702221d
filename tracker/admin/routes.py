"""Admin pages (being written)."""
from tracker.admin import bp  # noqa: F401
