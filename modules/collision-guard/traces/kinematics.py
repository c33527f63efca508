"""The prototype's kinematic model of the KR 150-2 (krc2.md), written
independently of the modules (plain Python floats and math.sin/cos) so that
the checks can recompute every reading."""
import math

LINKS = [  # (offset from the previous joint in mm, rotation axis of this joint)
    ((0.0, 0.0, 0.0), "y"),        # A1, vertical axis
    ((350.0, 750.0, 0.0), "z"),    # A2
    ((1250.0, 0.0, 0.0), "z"),     # A3
    ((1100.0, 0.0, 0.0), "x"),     # A4
    ((0.0, 0.0, 0.0), "z"),        # A5, same origin as A4
]
TIP = (230.0, 0.0, 0.0)


def rotation(axis, a):
    c, s = math.cos(a), math.sin(a)
    if axis == "x":
        return [[1, 0, 0], [0, c, -s], [0, s, c]]
    if axis == "y":
        return [[c, 0, s], [0, 1, 0], [-s, 0, c]]
    return [[c, -s, 0], [s, c, 0], [0, 0, 1]]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def apply(m, v):
    return [sum(m[i][k] * v[k] for k in range(3)) for i in range(3)]


def tip(degrees):
    """Tool tip (mm) for A1..A5 in degrees, controller sense (negated for the model)."""
    position = [0.0, 0.0, 0.0]
    orientation = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    for (offset, axis), deg in zip(LINKS, degrees):
        position = [p + d for p, d in zip(position, apply(orientation, offset))]
        orientation = matmul(orientation, rotation(axis, math.radians(-deg)))
    return [p + d for p, d in zip(position, apply(orientation, TIP))]


def distance(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
