import sys

from scholarsite.cli import main

sys.exit(main())
