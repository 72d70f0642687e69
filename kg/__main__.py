"""`python -m kg` runs the same CLI as the `kg` command."""
from kg.cli import main

if __name__ == "__main__":
    main()
