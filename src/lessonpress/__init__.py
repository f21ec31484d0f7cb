"""lessonpress: a static-site blog generator whose posts show executed lessons."""

__version__ = "0.1.0"
