"""``python -m tests.golden``: rewrite tests/golden/template.yaml (see tests/golden/__init__.py)."""
import sys

from tests.golden import main

sys.exit(main())
