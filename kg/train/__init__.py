"""Training code for kg's learned components (not imported at run time).

Needs the `train` extra (python-crfsuite): pip install -e '.[train]'."""
