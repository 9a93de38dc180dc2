"""Rendering through Graphviz's C library in a fork server (see `__main__.py`).

The modules here use the standard library only: the server runs them as a script, without
flowdocs or its dependencies, so that it starts in a few milliseconds.
"""
