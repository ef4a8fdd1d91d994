"""One module per command: `run(args) -> int` (exit status)."""
