"""The profile list on the left, and the dialogs that add or change a profile."""
