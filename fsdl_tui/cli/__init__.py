"""Command-line faces of fsdl-tui."""
