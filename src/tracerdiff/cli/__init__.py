"""The thin command-line layer of tracerdiff (typer). Never imported by the library."""
