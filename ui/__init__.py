"""User-interface resources (icons, styles)."""
