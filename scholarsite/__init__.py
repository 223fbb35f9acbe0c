"""scholarsite: Markdown papers with YAML frontmatter, rendered into a researcher's static homepage."""

__version__ = "0.1.0"
