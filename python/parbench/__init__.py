"""parbench's Python side: the kernels in Python and the worker driver that
runs them under CPython's execution models for parbench's Python modes."""
