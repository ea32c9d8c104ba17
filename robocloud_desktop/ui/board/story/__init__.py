"""The details pane's tabs of a Control Room API v1 run: its steps, work items, console and files."""
