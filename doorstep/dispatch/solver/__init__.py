"""Pure routing core: the problem model, travel matrices, the optimiser entry point.

Imports nothing from Django or other doorstep apps. Entry point: ``engine.solve``.
"""
