"""cmmd's benchmarks: scripts that print figures (speed, memory, FLOPs), run from the repository root as modules.

`benchmarks.components`: one part of the library at a time; `benchmarks.system`: the parts together (a training step,
generation, evaluation, and where their time goes); `benchmarks.common`: what they share. See README.md.
"""
