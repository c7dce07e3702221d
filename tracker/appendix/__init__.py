"""The appendix table: one plain model, rendered by several views."""
