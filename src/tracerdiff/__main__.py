"""``python -m tracerdiff`` runs the command-line interface."""

from tracerdiff.cli.app import main

if __name__ == "__main__":  # pragma: no cover
    main()
