"""robocloud-desktop: trigger Control Room processes and watch their runs."""

__version__ = "0.1.0"
