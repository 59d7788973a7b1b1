"""The ``gridgis`` command line: thin click commands over the library."""
