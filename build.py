"""Entry point: `python build.py [build|serve|import|new|check|deploy|metrics] ...`."""
import sys

from scholarsite.cli import main

sys.exit(main())
