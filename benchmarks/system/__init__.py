"""System benchmarks: the parts of cmmd together (the suite of speed targets, training steps, the CPU demo's speed,
generation, evaluation, operator launches, profiles, the roofline, torch.compile), `python -m benchmarks.system.NAME`."""
