"""The run board: the live table of runs, the details pane of the selected one, and what can be done to them."""
