"""One module per command: `run(args) -> int` (exit status). Each turns the namespace into typed config first."""
