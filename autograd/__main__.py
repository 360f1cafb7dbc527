"""python -m autograd draw|explore FORMULA name=value ...: see autograd/views/cli.py."""

from autograd.views.cli import run

if __name__ == "__main__":
    run()
