"""autograd.draw, where users import drawing from: the drawing code lives in
autograd/views/draw.py."""

from autograd.views.draw import draw, notebook_html, printable, render

__all__ = ["draw", "notebook_html", "printable", "render"]
