"""The crsmap command line: a thin click layer over the ``curation`` library."""
