from kg.cli import cli

if __name__ == "__main__":      # worker processes that re-import the main module must not run it
    cli(prog_name="kg")
