"""``python -m chaingraph`` runs the command-line interface."""

from .cli import cli

if __name__ == "__main__":  # pragma: no cover
    cli()
