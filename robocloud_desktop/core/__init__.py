"""The app's logic: HTTP, secrets, persistence and polling. Nothing below here imports Qt."""
