"""Built-in names for arXiv-style category codes (LG -> Machine Learning).

Codes are the upper-cased arXiv subject class without the archive prefix for the cs, stat,
eess, econ, q-bio and q-fin archives (cs.LG -> LG), and the whole archive name for the physics
archives that have no subject classes (quant-ph -> QUANT-PH). `content/site.yml` may override
or add names under `categories:`; an unknown code shows as itself.
"""
from __future__ import annotations

ARXIV_CATEGORIES: dict[str, str] = {
    # Computer science (cs.*)
    "AI": "Artificial Intelligence",
    "AR": "Hardware Architecture",
    "CC": "Computational Complexity",
    "CE": "Computational Engineering, Finance, and Science",
    "CG": "Computational Geometry",
    "CL": "Computation and Language",
    "CR": "Cryptography and Security",
    "CV": "Computer Vision and Pattern Recognition",
    "CY": "Computers and Society",
    "DB": "Databases",
    "DC": "Distributed, Parallel, and Cluster Computing",
    "DL": "Digital Libraries",
    "DM": "Discrete Mathematics",
    "DS": "Data Structures and Algorithms",
    "ET": "Emerging Technologies",
    "FL": "Formal Languages and Automata Theory",
    "GL": "General Literature",
    "GR": "Graphics",
    "GT": "Computer Science and Game Theory",
    "HC": "Human-Computer Interaction",
    "IR": "Information Retrieval",
    "IT": "Information Theory",
    "LG": "Machine Learning",
    "LO": "Logic in Computer Science",
    "MA": "Multiagent Systems",
    "MM": "Multimedia",
    "MS": "Mathematical Software",
    "NA": "Numerical Analysis",
    "NE": "Neural and Evolutionary Computing",
    "NI": "Networking and Internet Architecture",
    "OH": "Other Computer Science",
    "OS": "Operating Systems",
    "PF": "Performance",
    "PL": "Programming Languages",
    "RO": "Robotics",
    "SC": "Symbolic Computation",
    "SD": "Sound",
    "SE": "Software Engineering",
    "SI": "Social and Information Networks",
    "SY": "Systems and Control",
    # Statistics (stat.*)
    "AP": "Applications",
    "CO": "Computation",
    "ME": "Methodology",
    "ML": "Machine Learning (Statistics)",
    "TH": "Statistics Theory",
    # Electrical engineering and systems science (eess.*)
    "AS": "Audio and Speech Processing",
    "IV": "Image and Video Processing",
    "SP": "Signal Processing",
    # Economics (econ.*)
    "EM": "Econometrics",
    "GN": "General Economics",
    # Quantitative biology and finance (q-bio.*, q-fin.*)
    "BM": "Biomolecules",
    "GN-QBIO": "Genomics",
    "NC": "Neurons and Cognition",
    "QM": "Quantitative Methods",
    "CP": "Computational Finance",
    "PM": "Portfolio Management",
    "RM": "Risk Management",
    "ST": "Statistical Finance",
    # Physics archives without subject classes
    "ASTRO-PH": "Astrophysics",
    "COND-MAT": "Condensed Matter",
    "GR-QC": "General Relativity and Quantum Cosmology",
    "HEP-EX": "High Energy Physics - Experiment",
    "HEP-LAT": "High Energy Physics - Lattice",
    "HEP-PH": "High Energy Physics - Phenomenology",
    "HEP-TH": "High Energy Physics - Theory",
    "MATH-PH": "Mathematical Physics",
    "NLIN": "Nonlinear Sciences",
    "NUCL-EX": "Nuclear Experiment",
    "NUCL-TH": "Nuclear Theory",
    "PHYSICS": "Physics",
    "QUANT-PH": "Quantum Physics",
    "MATH": "Mathematics",
}


def category_name(code: str, overrides: dict[str, str] | None = None) -> str:
    """The display name of a category code; the code itself when nobody knows it."""
    if overrides and code in overrides:
        return overrides[code]
    return ARXIV_CATEGORIES.get(code, code)


def code_from_arxiv(primary_class: str) -> str:
    """`cs.LG` -> `LG`, `quant-ph` -> `QUANT-PH`, `stat.ML` -> `ML`, `math.OC` -> `OC`."""
    archive, _, subject = primary_class.strip().partition(".")
    if subject and archive.lower() in {"cs", "stat", "eess", "econ", "q-bio", "q-fin", "math"}:
        return subject.upper()
    return archive.upper()


# The archive of each subject-class code above, for turning a code back into an arXiv class.
_ARCHIVE_CODES = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE "
          "NI OH OS PF PL RO SC SD SE SI SY",
    "stat": "AP CO ME ML TH",
    "eess": "AS IV SP",
    "econ": "EM GN",
    "q-bio": "BM NC QM",
    "q-fin": "CP PM RM ST",
}


def arxiv_class(code: str) -> str | None:
    """`LG` -> `cs.LG`, `ML` -> `stat.ML`, `QUANT-PH` -> `quant-ph`; None for an unknown code.

    The inverse of `code_from_arxiv` for the built-in table (BibTeX's `primaryClass` wants it)."""
    code = code.strip().upper()
    if code == "GN-QBIO":
        return "q-bio.GN"
    for archive, codes in _ARCHIVE_CODES.items():
        if code in codes.split():
            return f"{archive}.{code}"
    return code.lower() if code in ARXIV_CATEGORIES else None
