"""Views of a graph: Graphviz drawings (``draw``), the page that steps through both passes
(``explorer``), formulas read from text (``formula``) and the command line (``cli``). They
read graphs and never change them; Graphviz is imported only when something is drawn."""
