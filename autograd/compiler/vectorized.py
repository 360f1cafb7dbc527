"""The vector writer: a grouped graph (``autograd/compiler/grouping.py``) as array code.

Each group is one line of the forward pass, ``h1 = relu(x @ W1.T + b1)``; the backward pass
goes through the groups in reverse with the transposed products and reductions,
``g_x = gz_h1 @ W1``, ``g_params = scatter_add(g_params, _W1, outer(gz_h1, x))``. An
elementwise group's line is its op's own code rule from the op table, applied to whole
arrays. Arguments that are not a whole group are read as slices (``x[..., 0:2]``),
gathered (``take(t4, _i3)``) or concatenated (``cat(...)``); their gradients go back the
same way, added into place.

The program calls only kernels (``autograd/kernels.py``) and the operators of the Python
Array API standard, so one program runs on NumPy and on any library of the standard
(``autograd/compiler/backends.py``). Arrays have the group's members on their last axis; a
group that depends on the inputs (``Group.varying``) has one row per sample before it.
Parameters come as one flat array, ``params``, and their gradients, summed over the
samples, as ``g_params``.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from autograd.compiler.grouping import Group, Plan, Scalar, stem
from autograd.compiler.source import name_for, tuple_of, wrap
from autograd.ops import (
    DOT,
    FACTS,
    NEURON,
    Code,
    Op,
    code_rule,
    kinks,
    literal,
    nonnegative,
    poles,
    steepest,
    ulps,
)

_GROUP, _INDEX = attrgetter("group"), attrgetter("index")
# units of the last place by which NumPy's exp, log, tanh... may differ from math's (at most
# 4 on the platforms NumPy documents; twice that to be safe)
ULPS = 8
EPS = "2.220446049250313e-16"  # a unit of the last place, 2^-52, as source
_VIEW = re.compile(r"\w+(\[[^\[\]]*\])?")  # a name, or a name sliced
_NAME = re.compile(r"(?<![.\w])[^\W\d]\w*")  # a name (λ too), not an attribute (W1.T) or 1e-5
_TARGET = re.compile(r"(\w+(?:, \w+)*) [-+*/]?= ")  # the names a line assigns
_MATRIX = re.compile(r"[Wb]\d+")  # the names of products' matrices and biases
# names the vector code uses itself: groups never take them
KERNELS = ("stack", "cat", "total", "rows", "matvec", "vecmat", "outer", "outer_each", "spread",
           "over_batch", "add_at", "scatter_add", "take", "zeros_like", "full_like", "finite",
           "checked", "kinked", "no_doubt", "kept", "count", "sums", "row_sums", "copy", "flat",
           "largest", "peak", "row_sizes", "maximum", "constant", "nonzero_rows")


@dataclass
class Operand:
    """An argument of a group's line: its expression and where its elements come from."""

    expr: str
    pieces: list[tuple[Group, list[int], int]]  # (source group, indices in it, first position)
    size: int
    varying: bool
    single: bool = False  # one value, read by every member (shape (..., 1))


class VectorWriter:
    """Writes the NumPy program of one plan: names, operands, forward, backward."""

    def __init__(self, plan: Plan, outputs: list[Scalar], seeds: list[float],
                 names: dict[Scalar, str]) -> None:
        self.plan, self.outputs, self.seeds = plan, outputs, seeds
        self.origin = names  # a parameter's name in its model, where known
        self.namespace: dict[str, Any] = {}  # index arrays and constants the code reads
        self.serial = itertools.count(1)
        self.indexes: dict[tuple[int, ...], str] = {}  # index arrays by their entries
        self.comments: dict[tuple[Any, ...], str] = {}  # see _where
        self.names = _names(plan)
        self.operands = {g: self._operands(g) for g in plan.groups if g.op is not None}
        # a product's matrix gets a name (W1, W2, ...): several weighted sums, or one that
        # reads the samples through fixed weights (a layer of one neuron)
        products = [g for g in plan.groups if g.kind == "weighted" and self.operands[g][0].size
                    and (g.size > 1 or (self.operands[g][0].varying
                                        and not self.operands[g][1].varying))]
        self.matrices = {g: f"W{k}" for k, g in enumerate(products, 1)}
        # a product's lines naming its matrix (and bias), and the matrix's index in params
        self.biases: dict[Group, str] = {}  # a bias that is not a group's name: b1, b2...
        self.setup = {g: self._matrix(g) for g in self.matrices}
        # groups whose op branches (a kink: relu at 0, maximum at a tie, clamp at a bound) or
        # has no value or derivative somewhere (a pole: 1/b at 0, log at 0), and every group
        # computed before them: these carry a bound of how far their values may be from the
        # engine's (sums in another order), its _e_ line
        self.kinked = [g for g in plan.groups if _critical(g) is not None]
        self.errors: dict[Group, str] = {}
        self.arrays: set[Group] = set()  # those whose bound is elementwise
        self.skip_at: int | None = None  # the backward's line where rows may go
        self.finite: set[str] = set()  # the arrays the forward pass checks (see forward)
        self.largest_param = False  # whether the code has named _p, the largest |parameter|
        self.sizes: dict[str, str] = {}  # a sum's array -> the name of its largest |entry|
        wanted = {src for g in self.kinked for o in self.operands[g] for src, _, _ in o.pieces}
        for g in reversed(plan.groups):
            if g in wanted and g.op is not None:
                self.errors[g] = f"_e_{self.names[g]}"
                wanted.update(src for o in self.operands[g] for src, _, _ in o.pieces)
        # a neuron's argument gets a line of its own where it is needed: z_h1 = x @ W1.T + b1
        taken = {*self.names.values(), *KERNELS, "params", "inputs", "n", "backprop"}
        self.before = {g: name_for(f"z_{self.names[g]}", "z", taken) for g in plan.groups
                       if g.op is NEURON and (g in self.errors or g in self.kinked)}

    # --- reading arguments ---

    def _constant(self, prefix: str, value: Any) -> str:
        """A name for an index array or constants, in the namespace the code runs in."""
        import numpy as np

        if prefix == "i" and tuple(value) in self.indexes:  # an index made before
            return self.indexes[tuple(value)]
        name = f"_{prefix}"
        if prefix[0] in "ik" or name in self.namespace:
            name += str(next(self.serial))
        self.namespace[name] = np.array(value)
        if prefix[0] in "ib":
            self.indexes[tuple(value)] = name
        return name

    def _take(self, group: Group, idx: list[int], name: str = "") -> str:
        """Elements idx of a group (or of its array ``name``): all, a slice, or a gather."""
        name, lead = name or self.names[group], "..., " if group.varying else ""
        if len(idx) == group.size and idx == list(range(group.size)):
            return name
        if idx == list(range(idx[0], idx[0] + len(idx))):
            return f"{name}[{lead}{idx[0]}:{idx[0] + len(idx)}]"
        return (f"take({name}, {self._constant('i', idx)})" if lead
                else f"{name}[{self._constant('i', idx)}]")

    def gather(self, scalars: list[Scalar]) -> Operand:
        """One array of these scalars, in order, read from their groups."""
        exprs: list[str] = []
        pieces: list[tuple[Group, list[int], int]] = []
        start = 0
        for group, same in itertools.groupby(scalars, key=_GROUP):
            run = list(same)
            if group is None:  # constants
                exprs.append(self._constant("k", [s.value for s in run]))
            else:
                idx = list(map(_INDEX, run))
                exprs.append(self._take(group, idx))
                pieces.append((group, idx, start))
            start += len(run)
        expr = "" if not exprs else exprs[0] if len(exprs) == 1 else f"cat({', '.join(exprs)})"
        return Operand(expr, pieces, len(scalars), any(g.varying for g, _, _ in pieces))

    def _single(self, s: Scalar) -> Operand:
        """One value that every member of a group reads: shape (..., 1), or a number."""
        if s.group is None:
            return Operand(literal(s.value), [], 1, False, True)
        return Operand(self._take(s.group, [s.index]), [(s.group, [s.index], 0)], 1,
                       s.group.varying, True)

    def _operands(self, g: Group) -> list[Operand]:
        """A group's arguments: map and sum, one per argument; weighted, (u, M, b)."""
        first = g.members[0]
        if g.kind == "weighted":
            other = 3 - g.shared  # the matrix's entries: w_i (1, 3, ...) or x_i (2, 4, ...)
            return [self.gather(first.args[g.shared::2]),
                    self.gather([a for s in g.members for a in s.args[other::2]]),
                    self.gather([s.args[0] for s in g.members])]
        if g.kind == "sum":
            return [self.gather([a for s in g.members for a in s.args])]
        operands = []
        for k in range(len(first.args)):
            column = [s.args[k] for s in g.members]
            if all(a is column[0] for a in column):
                operands.append(self._single(column[0]))
            else:
                operands.append(self.gather(column))
        if g.size > 1 and all(o.single for o in operands):  # copies of one value: a gather
            k = next((k for k, o in enumerate(operands) if o.pieces), 0)
            operands[k] = self.gather([s.args[k] for s in g.members])
        elif all(o.single and not o.pieces for o in operands):  # constants alone: an array
            operands[0] = self.gather([s.args[0] for s in g.members])
        return operands

    # --- the passes ---

    def forward(self) -> list[str]:
        """The inputs stacked, then one line per group (two or three for a product)."""
        lines = []
        start = 0
        for g in self.plan.inputs:
            columns = ", ".join(f"inputs[{start + i}]" for i in range(g.size))
            lines.append(f"{self.names[g]} = stack({columns})")
            start += g.size
        checked = []
        for g in self.plan.groups:
            if g.op is None:
                continue
            name, ops = self.names[g], self.operands[g]
            if g.kind == "weighted":
                u, m, b = ops
                product = None
                if not u.size:  # sums of no products: the biases alone
                    inner = b.expr
                elif g not in self.matrices:  # one weighted sum: u·w
                    inner = f"{u.expr} * {m.expr}"
                    if u.size > 1:
                        inner = f"sums({inner})"
                else:
                    lines += self.setup[g][0]
                    inner = product = (f"{u.expr} @ {self.matrices[g]}.T" if not m.varying
                                       else f"matvec({self.matrices[g]}, {u.expr})")
                bias = bool(u.size) and not self._zero(b)
                if bias:
                    inner += f" + {b.expr}"
                act = g.param if g.op is NEURON else None
                # the sum on a line of its own: the activation's argument, or the group itself
                z = self.before.get(g, name if act is None else None)
                if z is not None:
                    # z = u @ W.T, then z += b into the product's own array (a row per
                    # sample): the same sums, one new array of that size instead of two
                    in_place = product is not None and bias and u.varying
                    lines += ([f"{z} = {product}", f"{z} += {b.expr}"] if in_place
                              else [f"{z} = {inner}"])
                    inner = z
                line = inner if act is None else _code(act, name, [inner]).forward
                checked.append(name)
            elif g.kind == "sum":
                n = len(g.members[0].args)
                # a sum of one term is that term, but -0.0 + 0.0: math.fsum's 0.0
                line = f"{wrap(ops[0].expr)} + 0.0" if n == 1 else (
                    f"total({ops[0].expr}, {g.size}, {n})")
                checked.append(name)
            else:
                assert g.op is not None
                line = _code(g.op, name, [o.expr for o in ops], g.param).forward
                if not g.op.differentiable:  # its value, through which no gradient flows
                    line = f"constant({line})"
            if line != name:  # (a sum is written to its own name above)
                lines.append(f"{name} = {line}")
            lines += self._bounds(g)
        if checked:  # products and sums do not raise on overflow, as ufuncs in errstate do
            lines.append(f"finite({', '.join(self.sizes.get(c, c) for c in checked)})")
        self.finite = set(checked)  # every entry finite, once the forward pass has run
        others = [self.names[g] for g in self.plan.groups
                  if g.op is not None and self.names[g] not in checked]
        if others:  # nor does any op on a library without NumPy's error state
            lines.append(f"checked({', '.join(others)})")
        return lines

    # --- kinks and poles: the samples whose branch the vector code cannot vouch for ---

    def _error(self, o: Operand) -> tuple[str, bool] | None:
        """The error bound of an operand, and whether it is elementwise: an array read as the
        operand reads its one source group's bounds, or else the largest of its sources'
        bounds, one number. None when every element is exact (inputs, params, constants)."""
        sources = [src for src, _, _ in o.pieces if src in self.errors]
        if not sources:
            return None
        src, idx, _ = o.pieces[0]
        if len(o.pieces) == 1 and src in self.arrays and len(idx) == o.size:
            return self._take(src, idx, self.errors[src]), True
        bound = ""
        for peak in dict.fromkeys(f"peak({self.errors[s]})" if s in self.arrays
                                  else self.errors[s] for s in sources):
            bound = f"maximum({bound}, {peak})" if bound else peak
        return bound, False

    def _bounds(self, g: Group) -> list[str]:
        """The lines bounding how far the group's values may be from their exact values, in
        units of the last place (2^-52 of the size), and marking the samples with a value
        whose kink or pole lies within that of the engine's and the vector code's rounding.

        To first order a value's error is its own rounding (a sum of n terms in any order:
        n times the sum of the terms' sizes; an op: a unit of the last place of |out|, ULPS
        where NumPy's exp may not be math's) plus each argument's error times |d out /
        d argument|, the op's own derivative rule. Bounds are arrays, elementwise, except
        after a product with a matrix of parameters: there one number for the whole batch
        (max |x| times the largest row of |W|) saves a second matrix product. Coarser bounds
        may leave more samples to the engine, never fewer."""
        name, ops, lines = self.names[g], self.operands[g], []
        each = True
        if g.kind == "weighted":
            u, m, b = ops
            z = self.before.get(g, name)
            first: list[str] = []  # lines the bound needs before it: _p, _r_W or _l_h
            named: dict[str, str] = {}  # the arrays whose largest |entry| first names
            names_p = False
            terms = u.size + 2  # b + w_1 x_1 + ...: n products and n + 1 terms, rounded
            error_u, error_m, error_b = self._error(u), self._error(m), self._error(b)
            if g in self.matrices and not m.varying:  # max |u| times the largest row of |W|
                each = False
                of_params = self.setup[g][1] is not None
                if of_params:  # a row of n parameters: at most n times the largest of all
                    rows = f"{u.size} * _p"
                    if not self.largest_param:
                        first, names_p = ["_p = largest(params)  # the largest |parameter|"], True
                else:
                    rows = f"_r_{self.matrices[g]}"  # named once: read twice
                    first = [f"{rows} = row_sizes({self.matrices[g]})"]
                # u is one group's whole array, read as its name (not cat(h1, _k3), not
                # take(h1, _i1), which reads an element twice)
                whole = len(u.pieces) == 1 and u.expr == self.names[u.pieces[0][0]]
                size = (self._size(u.pieces[0][0], u.expr, first, named) if whole
                        else f"largest({u.expr})")
                sizes = f"{size} * {rows}"
                moved = [] if error_u is None else [f"{_peak(error_u)} * {rows}"]
                if error_m is not None:
                    moved.append(f"{size} * {u.size} * {_peak(error_m)}")
                if not self._zero(b):
                    sizes += " + _p" if of_params and b.pieces and all(
                        src is self.plan.params for src, _, _ in b.pieces) else (
                        f" + largest({b.expr})")
                    moved += [] if error_b is None else [_peak(error_b)]
            else:
                how = "*" if g not in self.matrices else "matvec"
                matrix = m.expr if how == "*" else self.matrices[g]
                sizes = _product(f"abs({u.expr})", f"abs({matrix})", how)
                moved = []
                if error_u is not None:  # d/du = M
                    moved.append(_product(error_u[0], f"abs({matrix})", how) if error_u[1]
                                 or how == "*" else
                                 f"{error_u[0]} * row_sums(abs({matrix}))")
                if error_m is not None and how == "*" and m.expr == u.expr:  # x·x: twice
                    moved = [f"2 * {wrap(moved[0])}"]
                elif error_m is not None:  # d/dM = u
                    moved.append(_product(f"abs({u.expr})", error_m[0], how) if how == "*"
                                 else _product(f"abs({u.expr})", f"rows({error_m[0]}, "
                                               f"{g.size}, {u.size})", how) if error_m[1]
                                 else f"{error_m[0]} * sums(abs({u.expr}))")
                if how == "*" and u.size > 1:  # one weighted sum: its terms added
                    sizes = f"sums({sizes})"
                    moved = [f"sums({e})" for e in moved]
                if error_u is not None and error_m is not None:
                    # and the product of the two errors: second order, but the only term
                    # left where both factors are 0 in the vector code and not in the engine
                    if error_u[1] and error_m[1]:
                        second = (_product(error_u[0], error_m[0], "*") if how == "*"
                                  else _product(error_u[0], f"rows({error_m[0]}, {g.size}, "
                                                f"{u.size})", how))
                        if how == "*" and u.size > 1:
                            second = f"sums({second})"
                    else:
                        second = f"{_peak(error_u)} * {_peak(error_m)} * {u.size}"
                    moved.append(f"{EPS} * {wrap(second)}")
                if not u.size:
                    sizes, moved = "0.0", []
                if not self._zero(b):
                    sizes += f" + abs({b.expr})"
                    moved += [] if error_b is None else [error_b[0]]
                elif not u.size:  # nothing added: a constant 0
                    each = False
            bound = " + ".join([f"{terms} * {wrap(sizes)}", *moved])
            act = g.param if g.op is NEURON else None
            if act is not None and g in self.kinked:
                lines.append(f"_e_{z} = {bound}")
                lines.append(f"_doubt = kinked(_doubt, {self._kink(act, None)}, ({z},), "
                             f"_e_{z})")
                bound = f"_e_{z}"
            if g in self.errors:
                if act is not None:  # through the activation: act'(z), read from its output
                    slope = _code(act, name, ["_"]).partials[0]
                    most = steepest(act)  # or, for one number, the steepest slope it has
                    bound = (f"{wrap(slope)} * {wrap(bound)}" if each
                             else f"{_call('largest', slope)} * {wrap(bound)}" if most is None
                             else _times(most, bound))
                    own = _own(act)
                    if own:  # and its own rounding
                        bound = _times(own, f"abs({name})" if each
                                       else self._size(g, name, first, named)) + " + " + bound
                self._bound(lines, g, bound, each)
            if not lines:
                return lines
            self.largest_param |= names_p
            self.sizes.update(named)
            return [*first, *lines]
        if g.kind == "sum":
            n = len(g.members[0].args)
            if g in self.errors:
                error = self._error(ops[0])
                added = f"row_sums(rows({{}}, {g.size}, {n}))" if n > 1 else "{}"
                moved = [] if error is None else [added.format(error[0]) if error[1]
                                                  else f"{n} * {error[0]}"]
                self._bound(lines, g, " + ".join(
                    [f"{n} * {added.format(f'abs({ops[0].expr})')}", *moved]), True)
            return lines
        assert g.op is not None
        errors = [self._error(o) for o in ops]
        if g in self.errors:
            code = _code(g.op, name, [o.expr for o in ops], g.param)
            # an op with no derivative (detach, shift) moves an error by at most its size
            slopes = code.partials if g.op.differentiable else ("1.0",) * len(ops)
            moved, each = [], False
            exprs = [o.expr for o in ops]
            for i, j in itertools.combinations(range(len(ops)), 2):
                # d/da = b and d/db = a (a product): the two errors' product, second order
                # but the only term left where both factors are 0 here and not in the engine
                ei, ej = errors[i], errors[j]
                if ei and ej and slopes[i] == exprs[j] and slopes[j] == exprs[i]:
                    moved.append(f"{EPS} * {ei[0]} * {ej[0]}")
                    each |= ei[1] or ej[1]
            for d, e in zip(slopes, errors):
                if e is not None:
                    constant = _number(d)
                    each |= e[1] or constant is None  # an array, or times one
                    moved.append(e[0] if constant is not None and abs(constant) == 1.0
                                 else f"{abs(constant)} * {e[0]}" if constant is not None
                                 else f"{_call('abs', d)} * {e[0]}")
            # its own rounding (Op.ulps): none where every argument is exact, for the same op
            # on the same floats gives the same float, unless NumPy's exp may not be math's
            own = _own(g.op)
            if own and (moved or ulps(g.op) is None):
                moved.insert(0, _times(own, f"abs({name})"))
                each = True
            if len(moved) == 1 and moved[0] in self.errors.values():
                self.errors[g] = moved[0]  # its argument's bound: no line
                if each:
                    self.arrays.add(g)
            else:
                self._bound(lines, g, " + ".join(moved or ["0.0"]), each)
        if g in self.kinked:  # exact arguments (bound 0): only a value on its kink
            bound = " + ".join(e[0] for e in errors if e is not None) or "0.0"
            args = ", ".join(o.expr for o in ops)
            lines.append(f"_doubt = kinked(_doubt, {self._kink(g.op, g.param)}, ({args},), "
                         f"{bound})")
        return lines

    def _size(self, source: Group, expr: str, first: list[str], named: dict[str, str]) -> str:
        """max |entry| of a group's whole array ``expr`` over the batch, one number. For a
        sum's array (that ``finite`` checks), a name, on a line of ``first`` (noted in
        ``named``): ``finite`` checks that number instead of the array, for the largest
        |entry| is finite only if every entry is (NaN included)."""
        if source.kind not in ("weighted", "sum"):
            return f"largest({expr})"
        if expr in self.sizes:
            return self.sizes[expr]
        if expr not in named:
            named[expr] = f"_l_{expr}"
            # the values of relu or sigmoid are never below 0: their largest is max |entry|
            act = source.param if source.op is NEURON else None
            how = "peak" if act is not None and nonnegative(act) else "largest"
            first.append(f"{named[expr]} = {how}({expr})")
        return named[expr]

    def _bound(self, lines: list[str], g: Group, bound: str, each: bool) -> None:
        """The line naming a group's error bound; ``each``: an array, elementwise."""
        lines.append(f"{self.errors[g]} = {bound}")
        if each:
            self.arrays.add(g)

    def _kink(self, op: Op, param: Any) -> str:
        """A name for an op and its fixed parameter, whose kinks and poles the code asks."""
        name = f"_{op.name}{next(self.serial)}"
        self.namespace[name] = (op, param)
        return name

    def _zero(self, b: Operand) -> bool:
        """Whether a bias is constants that are all zero (microgpt's sums start from 0)."""
        return not b.pieces and b.expr in self.namespace and not self.namespace[b.expr].any()

    def _matrix(self, g: Group) -> tuple[list[str], str | None]:
        """The lines naming a product's matrix (and its bias, when that is not a name), and
        the matrix's index into params when it is made of parameters alone."""
        u, m, b = self.operands[g]
        rows, cols = g.size, u.size
        index = None
        if len(m.pieces) == 1 and m.pieces[0][0] is self.plan.params and m.size == len(
                m.pieces[0][1]):
            index = self._constant(self.matrices[g], [m.pieces[0][1][r * cols:(r + 1) * cols]
                                                      for r in range(rows)])
            lines = [f"{self.matrices[g]} = params[{index}]{self._where(m)}"]
        else:
            lines = [f"{self.matrices[g]} = rows({m.expr}, {rows}, {cols})"]
        if not self._zero(b) and not b.expr.isidentifier():
            bias = f"b{self.matrices[g][1:]}"
            if b.expr.startswith("params[_"):  # b1 = params[_b1]
                gather = b.expr[len("params["):-1]
                self.namespace[f"_{bias}"] = self.namespace[gather]  # _i5 may be read too
                self.indexes = {k: f"_{bias}" if v == gather else v
                                for k, v in self.indexes.items()}
                b.expr = f"params[_{bias}]"
            lines.append(f"{bias} = {b.expr}{self._where(b)}")
            b.expr = bias
            self.biases[g] = bias
        return lines, index

    def backward(self) -> tuple[list[str], dict[Group, str]]:
        """The chain rule group by group, last first; returns the lines and, per group
        whose gradient was written, its state ("owned": an array only it holds)."""
        lines = ["g_params = zeros_like(params)"]
        state: dict[Group, str] = {self.plan.params: "owned"}
        if self.kinked:  # the samples near a kink are the engine's: none of their gradient
            lines.append("_keep = kept(_doubt)")
            if any(s != 0.0 and o.group is not None and not o.group.varying and o.needs
                   for o, s in zip(self.outputs, self.seeds)):
                lines.append("_kept = n - count(_doubt)")  # for what does not vary
        for out, seed in zip(self.outputs, self.seeds):
            g = out.group
            if seed == 0.0 or g is None or not out.needs:
                continue
            value = literal(seed) if g.varying else f"{literal(seed)} * " + (
                "_kept" if self.kinked else "n")
            if g.varying and self.kinked:
                value += " * _keep"
            if g.size == 1 and g not in state:  # an array, as every gradient is
                lines.append(f"{self._grad(g)} = " + (
                    f"zeros_like({self.names[g]}) + {value}" if self.kinked and g.varying
                    else f"full_like({self.names[g]}, {value})"))
                state[g] = "owned"
            else:
                self._add(lines, state, g, [out.index], value)
        # from the first product of a matrix on, a sample whose gradients are all 0 gives
        # nothing to any parameter where no op with a pole is left: its rows may go
        # (_skipping says when)
        back = [g for g in reversed(self.plan.groups) if g.op is not None and g.needs]
        smooth = [True] * (len(back) + 1)  # smooth[i]: every group from back[i] on
        for i in reversed(range(len(back))):
            smooth[i] = smooth[i + 1] and _finite_back(back[i])
        for i, g in enumerate(back):
            if g not in state:
                continue
            if self.skip_at is None and g in self.matrices and g.varying and smooth[i]:
                self.skip_at = len(lines)
            lines.append(f"# {self.names[g]}")
            grad, ops = self._grad(g), self.operands[g]
            if g.kind == "weighted":
                self._through_product(lines, state, g, grad)
            elif g.kind == "sum":
                n = len(g.members[0].args)
                self._scatter(lines, state, grad if n == 1 else f"spread({grad}, {n})",
                              g.varying, ops[0])
            else:
                assert g.op is not None
                code = _code(g.op, self.names[g], [o.expr for o in ops], g.param)
                assert code.factor is None
                for o, d in zip(ops, code.partials):
                    term = grad if _number(d) == 1.0 else f"-{grad}" if _number(d) == -1.0 else (
                        f"{grad} * {wrap(d)}")
                    if o.single and g.size > 1:  # read by every member: their terms add up
                        term = f"sums({term})"
                    self._scatter(lines, state, term, g.varying, o)
        return lines, state

    def _through_product(self, lines: list[str], state: dict[Group, str], g: Group,
                         grad: str) -> None:
        u, m, b = self.operands[g]
        name, matrix = self.names[g], self.matrices.get(g, "")
        if g.op is NEURON:  # through the activation first: act'(out), read from out
            factor = _code(g.param, name, ["_"]).partials[0]
            if state[g] == "owned":  # the array is this gradient's alone, read no more after
                lines.append(f"{grad} *= {wrap(factor)}")
            else:
                lines.append(f"gz_{name} = {grad} * {wrap(factor)}")
                grad = f"gz_{name}"
        if not self._zero(b):
            self._scatter(lines, state, grad, g.varying, b)
        if not u.size:
            return
        # the weighted sum's rule run on its operands: d(b + w·u)/dw = u, d/du = w
        _, d_w, d_u = _code(DOT, name, ["_", matrix or m.expr, u.expr]).partials
        if g not in self.matrices:
            self._scatter(lines, state, f"{grad} * {d_u}", g.varying, u)
            self._scatter(lines, state, f"{grad} * {d_w}", g.varying, m)
            return
        # a layer: each output's gradient times d/du = its row of W, summed over the outputs
        # (a matrix product), and times d/dW = u (an outer product). A layer of one neuron:
        # its one row times grad, by broadcasting (a matrix product whose inner size is 1 is
        # a sum of one term, which BLAS takes 1.2x to 1.8x as long to make)
        through = (f"vecmat({grad}, {d_u})" if m.varying else f"{grad} * {d_u}"
                   if g.size == 1 else f"{grad} @ {d_u}")
        self._scatter(lines, state, through, g.varying, u)
        if not any(s.needs for s in (a for grp, _, _ in m.pieces for a in grp.members)):
            return
        if m.varying:
            self._scatter(lines, state, f"outer_each({grad}, {d_w})", True, m)
        elif self.setup[g][1] is not None:
            index = self.setup[g][1]
            how = "scatter_add" if len(set(m.pieces[0][1])) == m.size else "add_at"
            lines.append(f"g_params = {how}(g_params, {index}, outer({grad}, {d_w}))")
        else:
            self._scatter(lines, state, f"flat(outer({grad}, {d_w}))", False, m)

    def _where(self, operand: Operand) -> str:
        """A comment naming the module its parameters come from: ``# layers.0.neurons.*.w.*``
        (from their names, or their labels), or nothing when they have none."""
        # written once per set of values (a layer's weights are read by every token's product)
        key = tuple((id(g), tuple(idx)) for g, idx, _ in operand.pieces)
        if key not in self.comments:
            self.comments[key] = self._comment(operand)
        return self.comments[key]

    def _comment(self, operand: Operand) -> str:
        found = {self.origin.get(s) or s.label for g, idx, _ in operand.pieces
                 for s in (g.members[i] for i in idx)}
        if not found or not all(found):
            return ""
        parts = [name.split(".") for name in found]  # type: ignore[union-attr]
        if len({len(p) for p in parts}) != 1:
            return ""
        pattern = ".".join(p[0] if len(set(p)) == 1 else "*" for p in zip(*parts))
        # a comment stays one line: what Python would read as a line break is escaped
        return "  # " + "".join(c if c.isprintable() else repr(c)[1:-1] for c in pattern)

    def batch_names(self) -> set[str]:
        """The names of the code that hold an array with a row per sample."""
        found = {"_d"}
        for g in (*self.plan.inputs, *self.plan.groups):
            if g.varying:
                z = self.before.get(g, "")
                found |= {self.names[g], f"gz_{self.names[g]}", self._grad(g), z}
                if g in self.arrays:  # its bound elementwise
                    found |= {f"_e_{z}", self.errors.get(g, "")}
        for g, matrix in self.matrices.items():  # a matrix or bias made per sample
            _, m, b = self.operands[g]
            if m.varying:
                found.add(matrix)
            if b.varying and g in self.biases:
                found.add(self.biases[g])
        return found - {""}

    def batch_gradients(self) -> set[str]:
        """The names of the code that hold a gradient with a row per sample."""
        varying = [g for g in (*self.plan.inputs, *self.plan.groups) if g.varying]
        return {"_d", *map(self._grad, varying), *(f"gz_{self.names[g]}" for g in varying)}

    def _grad(self, g: Group) -> str:
        return "g_params" if g is self.plan.params else f"g_{self.names[g]}"

    def _scatter(self, lines: list[str], state: dict[Group, str], term: str, varying: bool,
                 operand: Operand) -> None:
        """Add ``term`` (one entry per element of the operand) into its sources' gradients."""
        pieces = [p for p in operand.pieces if p[0].needs]
        if not pieces:
            return
        whole = len(operand.pieces[0][1]) == operand.size  # one piece, all of the operand
        if not whole:
            lines.append(f"_d = {term}")
            term = "_d"
        for group, idx, start in pieces:
            sub = term if whole else f"{term}[..., {start}:{start + len(idx)}]"
            if varying and not group.varying:  # a parameter's gradient is summed over samples
                sub = f"over_batch({sub})"
            self._add(lines, state, group, idx, sub)

    def _add(self, lines: list[str], state: dict[Group, str], group: Group, idx: list[int],
             term: str) -> None:
        """g[idx] += term, the gradient array made or copied first where needed."""
        grad = self._grad(group)
        if len(idx) == group.size and idx == list(range(group.size)):
            if group not in state:
                lines.append(f"{grad} = {term}")
                # a name or a slice of one is another array's memory: never added into in place
                state[group] = "shared" if _VIEW.fullmatch(term) else "owned"
            elif state[group] == "owned" and group.size > 1:
                lines.append(f"{grad} += {term}")
            else:
                lines.append(f"{grad} = {grad} + {term}")
                state[group] = "owned"
            return
        if group not in state:
            lines.append(f"{grad} = zeros_like({self.names[group]})")
        elif state[group] == "shared":  # the array is another gradient's too: copy it
            lines.append(f"{grad} = copy({grad})")
        state[group] = "owned"
        lead = "..., " if group.varying else ""
        if idx == list(range(idx[0], idx[0] + len(idx))):
            lines.append(f"{grad}[{lead}{idx[0]}:{idx[0] + len(idx)}] += {term}")
        else:  # add_at: an index twice, each of its terms is added
            how = "scatter_add" if len(set(idx)) == len(idx) else "add_at"
            lines.append(f"{grad} = {how}({grad}, {self._constant('i', idx)}, {term})")


def _own(op: Op) -> int:
    """The units of the last place of |out| an op's own rounding adds to its error bound:
    none for a choice (relu), one for a rounded operation (+, *), ULPS where NumPy's exp
    or tanh may not be math's."""
    return ULPS if ulps(op) is None else math.ceil(ulps(op) or 0.0)


def _times(k: float, expr: str) -> str:
    """k * expr as source; expr itself for k = 1."""
    return expr if k == 1 else f"{k} * {wrap(expr)}"


def _product(a: str, b: str, how: str) -> str:
    """a * b elementwise (``how`` "*"), or the matrix b times the vector a (matvec)."""
    return f"{wrap(a)} * {wrap(b)}" if how == "*" else f"matvec({b}, {a})"


def _peak(error: tuple[str, bool]) -> str:
    """An error bound as one number: the largest of an array's."""
    return f"peak({error[0]})" if error[1] else error[0]


def _number(expr: str) -> float | None:
    """The number a derivative's source is, when it is one (1.0, (-2.0)); else None."""
    try:
        return float(expr.strip("()"))
    except ValueError:
        return None


def _call(function: str, expr: str) -> str:
    """function(expr) as source, without doubled parentheses: largest((h1)) is largest(h1)."""
    return f"{function}{expr}" if re.fullmatch(r"\([^()]*\)", expr) else f"{function}({expr})"


def _finite_back(g: Group) -> bool:
    """Whether the group's op (and a neuron's activation) is one of the table's without a
    pole (not 1/b, log, sqrt...): its derivatives are finite where its arguments, values
    and parameter are."""
    ops = [g.op, g.param] if g.op is NEURON else [g.op]
    return all(op in FACTS and poles(op) is None for op in ops)


def _critical(g: Group) -> Op | None:
    """The group's op (a neuron's activation) if it has kinks or poles (Op.critical)."""
    op = g.op if g.kind == "map" else g.param if g.op is NEURON else None
    return op if op is not None and (kinks(op) or poles(op)) else None


def _code(op: Op, out: str, args: list[str], param: Any = None) -> Code:
    """The op as code over these arrays, from its code rule in the table."""
    rule = code_rule(op, arrays=True)
    assert rule is not None
    return rule(out, args, param)


def _names(plan: Plan) -> dict[Group, str]:
    """A readable name per group: its members' common label stem, else h1, z2, s3, t4."""
    names: dict[Group, str] = {}
    counters: dict[str, itertools.count[int]] = {}
    used = set(KERNELS) | {"params", "inputs", "n", "backprop"}
    for g in plan.groups:
        if g is plan.params:
            names[g] = "params"
            continue
        stems = {stem(s.label) if s.label else None for s in g.members}
        common = stems.pop() if len(stems) == 1 else None
        if common and _MATRIX.fullmatch(unicodedata.normalize("NFKC", common)):
            common = None  # W¹ reads as W1, a matrix's name
        if g.kind == "input":
            default = common or "x"
        else:
            prefix = {"weighted": "h" if g.op is NEURON else "z", "sum": "s"}.get(g.kind, "t")
            default = prefix + str(next(counters.setdefault(prefix, itertools.count(1))))
            if common and common != "x":
                default = common
        names[g] = name_for(default, "t" + str(next(counters.setdefault("t", itertools.count(1)))),
                         used)
    return names


def program(plan: Plan, outputs: list[Scalar], seeds: list[float], inputs: list[Scalar],
            names: dict[Scalar, str] | None = None, forward_only: bool = False
            ) -> tuple[str, dict[str, Any]]:
    """The source of ``backprop(inputs, params, n)`` and the arrays it reads.

    It returns the outputs, the gradients of the inputs (per sample), ``g_params`` (summed
    over the n samples) and which samples have a value too near a kink of its op for the
    vector code to vouch for its branch (None without kinked ops): their gradients are
    left out, for the caller to ask the engine's order of operations; every name it reads
    that is not a kernel is in the returned namespace. With ``forward_only``, the source of
    ``forward(inputs, params, n)``, returning the outputs and those samples: for a library
    that differentiates it itself.
    """
    writer = VectorWriter(plan, outputs, seeds, names or {})
    forward = writer.forward()
    if writer.kinked:  # which samples are near a kink (see VectorWriter._bounds)
        forward.insert(0, "_doubt = no_doubt(n)  # the samples near a kink: the engine's")
    doubt = "_doubt" if writer.kinked else "None"

    def read(s: Scalar, names: dict[Group, str]) -> str:
        g = s.group
        if g is None:
            return literal(s.value)
        return f"{names[g]}[{'..., ' if g.varying else ''}{s.index}]"

    outs = [read(s, writer.names) for s in outputs]
    head = (f"def {'forward' if forward_only else 'backprop'}(inputs, params, n):\n    "
            f"\"\"\"{len(plan.scalars)} values in {len(plan.groups)} groups.\"\"\"\n")
    if forward_only:
        body = released([*forward, f"return ({', '.join(outs)},), {doubt}"],
                        writer.batch_names())
        return head + "".join(f"    {line}\n" for line in body), writer.namespace
    backward, state = writer.backward()
    grads = {g: writer._grad(g) for g in state}
    gx = [read(s, grads) if s.group in state else "0.0" for s in inputs]
    end = (f"return ({', '.join(outs)},), ({', '.join(gx)}{',' if gx else ''}), g_params, "
           + doubt)
    if writer.skip_at is not None:
        backward = _skipping(backward, writer.skip_at, writer.batch_names(),
                             writer.batch_gradients(), writer.finite, end, writer.namespace)
    body = released([*forward, "# backward: the chain rule, group by group, last first",
                     *backward, end], writer.batch_names())
    return head + "".join(f"    {line}\n" for line in body), writer.namespace


def _skipping(backward: list[str], at: int, arrays: set[str], grads: set[str],
              finite: set[str], end: str, namespace: dict[str, Any]) -> list[str]:
    """The backward pass with the samples whose gradients are all 0 dropped at line ``at``
    (by the kernel nonzero_rows, when they are most of the batch): every array of a row per
    sample that the lines after it read, gradients and values alike, keeps the other rows.

    After ``at`` every gradient is a sum of products of the gradients there by derivatives
    that are finite where the values are (no op with a pole), summed over the samples where
    it reaches a parameter: a sample with zero gradients adds exact zeros, if every number
    it is multiplied by is finite. Constants that are not (inf, nan) keep every row here;
    values that are not, at run time (nonzero_rows checks those that the forward pass has
    not, ``finite``). So do a gradient per sample returned and ``_keep`` read after ``at``:
    they need every row."""
    live: dict[str, None] = {}  # read after ``at`` before any line there assigns them
    made: set[str] = set()
    for line in backward[at:]:
        reads, writes = _reads_writes(line)
        live.update((a, None) for a in reads if a not in made)
        made.update(writes)
    returned = set(_NAME.findall(end)) & arrays
    numbers = [namespace[a] for a in live if a in namespace]
    if ({"_keep", "inf", "nan"} & live.keys() or returned & (made | live.keys())
            or not all(_finite(c) for c in numbers)):
        return backward
    gradients = [a for a in live if a in grads]
    values = [a for a in live if a in arrays and a not in grads and a not in finite]
    checked = [a for a in live if a in arrays and a not in grads and a in finite]
    if not gradients:
        return backward
    names = [*gradients, *values, *checked]
    call = (f"nonzero_rows(n, {tuple_of(gradients)}, {tuple_of(values)}, "
            f"{tuple_of(checked)})")
    line = f"{', '.join(names)} = {call}" if len(names) > 1 else f"{names[0]} = {call}[0]"
    return [*backward[:at], line, *backward[at:]]


def _finite(constant: Any) -> bool:
    """Whether every number of a constant (an array of the namespace) is finite."""
    import numpy as np

    return bool(np.all(np.isfinite(constant))) if np.asarray(constant).dtype.kind == "f" else True


def _reads_writes(line: str) -> tuple[list[str], list[str]]:
    """The names a line of the code reads and those it assigns (``a += b`` reads a too)."""
    if line.startswith("#"):
        return [], []
    code = line.split("  # ", 1)[0]
    target = _TARGET.match(code)
    if not target:
        return _NAME.findall(code), []
    writes = target.group(1).split(", ")
    augmented = target.group(0).endswith(("+= ", "-= ", "*= ", "/= "))
    return _NAME.findall(code[target.end():]) + (writes if augmented else []), writes


def released(body: list[str], arrays: set[str]) -> list[str]:
    """Straight-line code with each of the names ``arrays`` that it assigns deleted after
    the line that reads it last: an array of a row per sample goes back to the allocator as
    soon as it is dead, and those made after it reuse its memory (for a batch of thousands
    of samples, fewer new pages to fault in)."""
    last: dict[str, int] = {}  # the last line naming each name (read or written)
    assigned: set[str] = set()
    for i, line in enumerate(body):
        reads, writes = _reads_writes(line)
        assigned.update(writes)
        for name in (*reads, *writes):
            last[name] = i
    dead: dict[int, list[str]] = {}
    for name, i in last.items():  # (the last line returns what it reads)
        if name in assigned and name in arrays and i < len(body) - 1:
            dead.setdefault(i, []).append(name)
    out = []
    for i, line in enumerate(body):
        out.append(line)
        if i in dead:
            out.append(f"del {', '.join(dead[i])}")
    return out
