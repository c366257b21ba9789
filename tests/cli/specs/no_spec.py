"""A Python file that defines no solvent.Spec."""


def helper(x):
    return x + 1
