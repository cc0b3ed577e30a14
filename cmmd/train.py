"""Train CMMD with Accelerate: `accelerate launch cmmd/train.py [--config NAME] [--key value ...]`.

A hand-written shim (not exported from a notebook): nbdev makes package imports relative, which breaks running
a module as a script, so this file imports `cmmd.training` absolutely. `python -m cmmd.train` works too.
The loop is documented and tested in nbs/12_training.ipynb.
"""
from cmmd.training import main

if __name__ == "__main__":
    main()
