"""The command line: ``assay run | validate | list | schema``."""
