"""The plugin system (pluggy): hook specifications, and a host that loads plugins and validates what they give.

Plugin authors need only `from fsdl_tui import hookimpl`; see docs/plugins.md.
"""
