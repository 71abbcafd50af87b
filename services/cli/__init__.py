"""The command lines: `removebg` (cut-outs of files) and `python -m services.cli.weights`."""
