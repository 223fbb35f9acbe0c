import gc
import sys

gc.disable()   # until main() has imported the command: see scholarsite.cli.main

from scholarsite.cli import main  # noqa: E402

sys.exit(main())
