"""The window: PySide6 widgets and Qt models over the core. No logic the core already has."""
