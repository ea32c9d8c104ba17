"""How long a request to Control Room may take. Plain numbers, cheap to import: the window reads the
default before it loads the HTTP stack."""

# Connect quickly or say so; give the server time to answer a trigger.
DEFAULT_TIMEOUT = (6.0, 30.0)
# The whole exchange, however slowly the answer comes: long enough for a trigger over a slow VPN,
# short enough that a server trickling its answer cannot hold the app.
DEFAULT_REQUEST_TIMEOUT = 60.0
