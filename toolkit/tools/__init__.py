"""Tools on top of the library: commands that import it, never the reverse."""
